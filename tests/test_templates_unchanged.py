"""Refactors change no template: every shipped spec's real `cdk synth` output equals, byte for byte, the
templates recorded in tests/golden/templates.json.xz.

A change that means to alter templates records them anew and says why in its commit:
``ULTRAFLEET_RECORD_TEMPLATES=1 pytest tests/test_templates_unchanged.py``."""

from __future__ import annotations

import difflib
import json
import lzma
import os

import pytest

from conftest import ROOT, SPECS, stack_templates

GOLDEN = ROOT / "tests" / "golden" / "templates.json.xz"
RECORD = os.environ.get("ULTRAFLEET_RECORD_TEMPLATES") == "1"


def _synthesized(cli_assemblies) -> dict[str, dict[str, str]]:
    """{spec stem: {stack name: template file text}} of this run's assemblies."""
    found: dict[str, dict[str, str]] = {stem: {} for stem in cli_assemblies}
    for stack, (stem, path) in stack_templates(cli_assemblies).items():
        found[stem][stack] = path.read_text()
    return found


@pytest.fixture(scope="module")
def synthesized(cli_assemblies) -> dict[str, dict[str, str]]:
    return _synthesized(cli_assemblies)


@pytest.fixture(scope="module")
def golden(synthesized) -> dict[str, dict[str, str]]:
    if RECORD:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(lzma.compress(json.dumps(synthesized, sort_keys=True).encode()))
    return json.loads(lzma.decompress(GOLDEN.read_bytes()))


def test_every_shipped_spec_has_recorded_templates(golden):
    assert sorted(golden) == sorted(s.stem for s in SPECS)


@pytest.mark.parametrize("stem", [s.stem for s in SPECS])
def test_templates_are_byte_identical_to_the_recorded_ones(synthesized, golden, stem):
    now = synthesized[stem]
    before = golden[stem]
    assert sorted(now) == sorted(before), "the spec's stacks changed"
    for stack, text in now.items():
        if text != before[stack]:
            diff = difflib.unified_diff(
                before[stack].splitlines(), text.splitlines(), "recorded", "synthesized", n=2, lineterm=""
            )
            pytest.fail(f"{stack} changed:\n" + "\n".join(list(diff)[:60]))
