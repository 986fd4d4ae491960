"""cdk-nag 3 (AwsSolutionsChecks, a policy-validation plugin) on every stack of every shipped spec: no
unacknowledged finding, and every acknowledgment gives a specific reason."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks

from conftest import ROOT, SPECS
from ultrafleet.spec import parse_spec
from ultrafleet.stacks import create_stacks


def nag_app(tmp_path, spec_file):
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    app = cdk.App(context=context, outdir=str(tmp_path))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    stacks = create_stacks(app, parse_spec(yaml.safe_load(spec_file.read_text())))
    return app, stacks


def acknowledgments(construct) -> dict[str, str]:
    """Every acknowledged rule id under a construct, with its reason."""
    found = {}
    for node in construct.node.find_all():
        for entry in node.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                found |= entry.data
    return found


@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_no_unacknowledged_aws_solutions_findings(tmp_path, spec):
    app, _ = nag_app(tmp_path, spec)
    app.synth()  # raises ValidationFailed on any unacknowledged finding
    report = json.loads((tmp_path / "validation-report.json").read_text())
    plugins = {p["pluginName"]: (p["conclusion"], p["violations"]) for p in report["pluginReports"]}
    assert plugins["AwsSolutions"] == ("success", [])
    assert all(result == ("success", []) for result in plugins.values())  # also CDK's own CloudFormation checks


def test_every_acknowledgment_carries_a_specific_reason(tmp_path):
    _, stacks = nag_app(tmp_path, ROOT / "specs/reference.yaml")
    found = {}
    for stack in (stacks.network, stacks.storage, *stacks.fleets.values()):
        found |= {rule: why for rule, why in acknowledgments(stack).items() if rule.startswith("AwsSolutions::")}
    assert sorted({rule.split("[")[0] for rule in found}) == [
        "AwsSolutions::AwsSolutions-IAM4",
        "AwsSolutions::AwsSolutions-IAM5",
        "AwsSolutions::AwsSolutions-SF1",  # the Capacity Block resizer (capacity_block_schedule.py)
        "AwsSolutions::AwsSolutions-SF2",
    ]
    group_arn = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName"
    assert sorted(r for r in found if "IAM5" in r) == sorted(
        [
            "AwsSolutions::AwsSolutions-IAM5[Resource::*]",  # the GB200 fleet's IMEX peer discovery (Describe* reads)
            *(
                f"AwsSolutions::AwsSolutions-IAM5[Resource::<CheckpointsBucket6BA0C50D.Arn>/checkpoints/{f}/*]"
                for f in ("gb200-nvl72", "pretrain-b200", "trn2-finetune")
            ),
            *(  # node health on the fleet's own group (fleet_health.py)
                f"AwsSolutions::AwsSolutions-IAM5[Resource::{group_arn}/frontier-{f}]"
                for f in ("gb200-nvl72", "pretrain-b200", "serve-g7e", "trn2-finetune")
            ),
        ]
    )
    why = (
        "checkpoints/",
        "AWS-maintained",
        "Encrypted",
        "no resource-level permissions",
        "group name pins it",
        "CloudTrail",
        "single SDK call",
    )
    for rule, reason in found.items():
        assert len(reason) > 30 and any(w in reason for w in why), rule


def test_the_plugin_is_live(tmp_path):
    app, stacks = nag_app(tmp_path, ROOT / "specs/starter.yaml")
    s3.Bucket(stacks.storage, "Careless")  # no TLS policy, no logging: AwsSolutions-S1 and S10
    with pytest.raises(RuntimeError, match="AwsSolutions-S10"):
        app.synth()


def test_ec26_is_acknowledged_only_on_groups_with_spot(tmp_path):
    _, stacks = nag_app(tmp_path, ROOT / "specs/inference.yaml")
    assert "AwsSolutions::AwsSolutions-EC26" in acknowledgments(stacks.fleets["g6e-spot"].fleet)  # all Spot
    assert "AwsSolutions::AwsSolutions-EC26" in acknowledgments(stacks.fleets["g7e-main"].fleet)  # a Spot share
    _, reference = nag_app(tmp_path / "ref", ROOT / "specs/reference.yaml")
    assert "AwsSolutions::AwsSolutions-EC26" not in acknowledgments(reference.fleets["serve-g7e"].fleet)
