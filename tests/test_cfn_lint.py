"""cfn-lint on every synthesized template of every shipped spec: no errors and no warnings, except one
documented, specific ignore."""

from __future__ import annotations

import json

import pytest
import yaml
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
    return match.rule.id == "E3628" and any(f"'{t}'" in match.message for t in E3628_ALLOWED_TYPES)


@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_templates_pass_cfn_lint(cli_synth, spec):
    region = yaml.safe_load(spec.read_text())["region"]
    for name, template in cli_synth[spec.stem].items():
        matches = lint(json.dumps(template), config=ManualArgs(regions=[region]))
        unexpected = [f"{m.rule.id} {m.message[:200]} (line {m.linenumber})" for m in matches if not allowed(m)]
        assert unexpected == [], f"{name}: {unexpected}"


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
