"""cfn-lint on every synthesized template of every shipped spec: no errors and no warnings, except one
documented, specific ignore."""

from __future__ import annotations

import json

import pytest
from cfnlint.api import ManualArgs, lint

from conftest import SPECS

# E3628 checks InstanceType against cfn-lint's per-region list, which is built from EC2 pricing data. These
# types are sold only through Capacity Blocks, Capacity Reservations or UltraServers and are absent from it.
E3628_ALLOWED_TYPES = {
    "p6e-gb200.36xlarge": "sold only as UltraServer Capacity Blocks (Dallas Local Zone)",
    "trn2.48xlarge": "sold through Capacity Blocks and reservations",
    "trn2u.48xlarge": "sold only as Trn2 UltraServer Capacity Blocks",
}


def allowed(match) -> bool:
    return match.rule.id == "E3628" and _names_an_allowed_type(match.message)


def _names_an_allowed_type(message: str) -> bool:
    return any(f"'{t}'" in message for t in E3628_ALLOWED_TYPES)


@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_templates_pass_cfn_lint(cfn_lint_findings, spec):
    for name, findings in cfn_lint_findings[spec.stem].items():
        unexpected = [
            f"{f['Rule']['Id']} {f['Message'][:200]} (line {f['Location']['Start']['LineNumber']})"
            for f in findings
            if not (f["Rule"]["Id"] == "E3628" and _names_an_allowed_type(f["Message"]))
        ]
        assert unexpected == [], f"{name}: {unexpected}"


def test_every_template_was_linted(cfn_lint_findings, cli_synth):
    """The background run saw every stack the real CLI synthesized (an empty list means clean, not skipped)."""
    assert {stem: sorted(stacks) for stem, stacks in cfn_lint_findings.items()} == {
        stem: sorted(stacks) for stem, stacks in cli_synth.items()
    }
    assert {f["Rule"]["Id"] for f in cfn_lint_findings["reference"]["frontier-fleet-gb200-nvl72"]} == {"E3628"}


def test_the_ignore_is_specific(cli_synth):
    """The allowed matches exist (so the ignore is needed) and name only the listed types."""
    template = cli_synth["reference"]["frontier-fleet-gb200-nvl72"]
    matches = lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))
    assert sorted({m.rule.id for m in matches}) == ["E3628"]
    assert all(allowed(m) for m in matches)
    broken = json.loads(json.dumps(template))
    lt = next(r for r in broken["Resources"].values() if r["Type"] == "AWS::EC2::LaunchTemplate")
    lt["Properties"]["LaunchTemplateData"]["InstanceType"] = "p5.48xlarg"
    assert any(not allowed(m) for m in lint(json.dumps(broken), config=ManualArgs(regions=["us-east-1"])))
