"""docs/validation-codes.md lists every stable code ultrafleet emits, with its level and message, as generated."""

from __future__ import annotations

import importlib.util
import re

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("gen_validation_codes", ROOT / "scripts" / "gen_validation_codes.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def test_committed_page_equals_what_the_code_base_generates():
    assert gen.PAGE.read_text() == gen.render(), f"docs/validation-codes.md is out of date; run `{gen.REGENERATE}`"


def test_every_code_written_in_the_package_is_read_with_a_level_and_a_message():
    codes = gen.emitted()
    assert gen.mentioned() - set(codes) == set(), "codes the generator cannot read: add them to READ_BY_HAND"
    assert set(gen.READ_BY_HAND) <= gen.mentioned()  # no stale hand entries
    for code, entry in codes.items():
        assert entry["levels"] and entry["levels"] <= {"error", "warning", "error (warning with --allow-replacement)"}
        words = [len(re.findall(r"[a-z]{3,}", gen.MEANINGS.get(code, m))) for m in entry["messages"]]
        assert max(words) >= 4, f"{code}: its message says too little; add a meaning to MEANINGS"


def test_the_page_has_a_row_per_code_under_its_family():
    page = gen.PAGE.read_text()
    rows = re.findall(r"^\| (UF-[A-Z0-9-]+) \| (error|warning)", page, flags=re.M)
    assert sorted(code for code, _ in rows) == sorted(gen.emitted())
    assert ("UF-EFA-002", "warning") in rows and ("UF-CAP-002", "error") in rows
    for code, _ in rows:
        assert f"## UF-{gen.family(code)}" in page or code.startswith("UF-R")
