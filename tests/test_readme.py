"""The README stays a front page: short, and its plan excerpt is what `ultrafleet plan` prints today."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from conftest import ROOT
from ultrafleet.cli.commands import app

README = (ROOT / "README.md").read_text()


def test_readme_is_a_front_page_not_a_manual():
    assert len(README.encode()) < 12_000
    assert "make synth" in README and "make test" in README


def test_the_plan_excerpt_is_real_output_of_the_reference_spec():
    (excerpt,) = re.findall(r"From `ultrafleet plan specs/reference.yaml`:\n\n```\n(.*?)```", README, flags=re.S)
    result = CliRunner().invoke(app, ["plan", str(ROOT / "specs" / "reference.yaml")])
    assert result.exit_code == 0, result.output
    printed = [line.rstrip() for line in result.stdout.splitlines()]
    missing = [line for line in excerpt.splitlines() if line not in printed]
    assert missing == [], f"README lines `ultrafleet plan specs/reference.yaml` no longer prints: {missing}"
