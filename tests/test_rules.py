"""ultrafleet's rule pack: each rule on a compliant and a non-compliant resource, the pack over every shipped
spec's real assembly, acknowledgments, and the `ultrafleet check` command."""

from __future__ import annotations

import copy
import json
import shutil

import pytest
from typer.testing import CliRunner

from ultrafleet.cli.commands import app as cli
from ultrafleet.rules import PACK, load_assembly, run
from ultrafleet.rules.base import App, Compliance

RULES = {rule.id: rule for rule, _ in PACK}


def lt(**data) -> dict:
    base = {
        "InstanceType": "p6-b200.48xlarge",
        "MetadataOptions": {"HttpTokens": "required"},
        "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"Encrypted": True}}],
        "NetworkInterfaces": [
            {
                "DeviceIndex": 0,
                "NetworkCardIndex": 0,
                "InterfaceType": "interface",
                "AssociatePublicIpAddress": False,
                "Groups": [{"Ref": "Efa"}],
            }
        ]
        + [
            {
                "DeviceIndex": 1 if c == 0 else 0,
                "NetworkCardIndex": c,
                "InterfaceType": "efa-only",
                "AssociatePublicIpAddress": False,
                "Groups": [{"Ref": "Efa"}],
            }
            for c in range(8)
        ],
    }
    base.update(data)
    return {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": base}}


def sg_rule(kind: str, protocol: str = "-1") -> dict:
    peer = "SourceSecurityGroupId" if kind == "Ingress" else "DestinationSecurityGroupId"
    return {
        "Type": f"AWS::EC2::SecurityGroup{kind}",
        "Properties": {
            "GroupId": {"Fn::GetAtt": ["Efa", "GroupId"]},
            "IpProtocol": protocol,
            peer: {"Fn::GetAtt": ["Efa", "GroupId"]},
        },
    }


def verdict(rule_id: str, resources: dict, target: str = "LT") -> Compliance:
    app = App(templates={"s": {"Resources": resources}})
    return RULES[rule_id].check("s", target, resources[target], app)


EFA = {"Efa": {"Type": "AWS::EC2::SecurityGroup", "Properties": {}}}
BOTH = {"In": sg_rule("Ingress"), "Out": sg_rule("Egress")}


@pytest.mark.parametrize(
    ("rule_id", "good", "bad"),
    [
        ("UF-R001", {"LT": lt(), **EFA, **BOTH}, {"LT": lt(), **EFA, "In": sg_rule("Ingress")}),
        ("UF-R002", {"LT": lt()}, {"LT": lt(MetadataOptions={"HttpTokens": "optional"})}),
        ("UF-R003", {"LT": lt()}, {"LT": lt(NetworkInterfaces=[{"DeviceIndex": 0, "AssociatePublicIpAddress": True}])}),
        (
            "UF-R004",
            {"LT": lt()},
            {"LT": lt(NetworkInterfaces=lt()["Properties"]["LaunchTemplateData"]["NetworkInterfaces"][:5])},
        ),
        ("UF-R005", {"LT": lt()}, {"LT": lt(BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {}}])}),
    ],
)
def test_launch_template_rules(rule_id, good, bad):
    assert (verdict(rule_id, good), verdict(rule_id, bad)) == (Compliance.COMPLIANT, Compliance.NON_COMPLIANT)


def test_efa_group_needs_all_traffic_not_one_port():
    resources = {"LT": lt(), **EFA, "In": sg_rule("Ingress"), "Out": sg_rule("Egress", protocol="tcp")}
    assert verdict("UF-R001", resources) is Compliance.NON_COMPLIANT


def test_rules_skip_what_they_do_not_govern():
    bucket = {
        "B": {"Type": "AWS::S3::Bucket", "Properties": {}, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    }
    assert all(verdict(r, bucket, "B") is Compliance.NOT_APPLICABLE for r in ("UF-R001", "UF-R002", "UF-R004"))
    no_efa = {"LT": lt(NetworkInterfaces=[{"DeviceIndex": 0, "AssociatePublicIpAddress": False}])}
    assert verdict("UF-R004", no_efa) is verdict("UF-R001", no_efa) is Compliance.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("policies", "expected"),
    [
        ({"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}, Compliance.COMPLIANT),
        ({"DeletionPolicy": "Retain"}, Compliance.NON_COMPLIANT),
        ({}, Compliance.NON_COMPLIANT),
    ],
)
def test_checkpoint_storage_retained(policies, expected):
    for rtype in ("AWS::S3::Bucket", "AWS::FSx::FileSystem", "AWS::KMS::Key"):
        assert verdict("UF-R007", {"R": {"Type": rtype, "Properties": {}, **policies}}, "R") is expected


def zoned_app(fsx_zone: str) -> App:
    def subnet(zone):
        return {"Type": "AWS::EC2::Subnet", "Properties": {"AvailabilityZone": zone}}

    network = {
        "Resources": {"A": subnet("us-east-1a"), "B": subnet(fsx_zone)},
        "Outputs": {
            "OA": {"Value": {"Ref": "A"}, "Export": {"Name": "net:A"}},
            "OB": {"Value": {"Ref": "B"}, "Export": {"Name": "net:B"}},
        },
    }
    storage = {
        "Resources": {
            "Fs": {"Type": "AWS::FSx::FileSystem", "Properties": {"SubnetIds": [{"Fn::ImportValue": "net:B"}]}}
        }
    }
    fleets = {
        "Resources": {
            "G": {
                "Type": "AWS::AutoScaling::AutoScalingGroup",
                "Properties": {
                    "VPCZoneIdentifier": [{"Fn::ImportValue": "net:A"}],
                    "Tags": [{"Key": "ultrafleet:role", "Value": "training", "PropagateAtLaunch": True}],
                },
            }
        }
    }
    return App(templates={"network": network, "storage": storage, "fleets": fleets})


@pytest.mark.parametrize(
    ("zone", "expected"), [("us-east-1a", Compliance.COMPLIANT), ("us-east-1b", Compliance.NON_COMPLIANT)]
)
def test_fsx_follows_imports_to_the_training_zone(zone, expected):
    app = zoned_app(zone)
    fs = app.resource("storage", "Fs")
    assert RULES["UF-R006"].check("storage", "Fs", fs, app) is expected


@pytest.mark.parametrize("stem", ["reference", "starter", "inference", "trainium"])
def test_the_pack_passes_every_shipped_spec(cli_assemblies, stem):
    assert run(load_assembly(cli_assemblies[stem])) == []


def test_reference_fsx_rule_really_ran(cli_assemblies):
    app = load_assembly(cli_assemblies["reference"])
    (fs,) = [(s, lid, r) for s, lid, r in app.resources() if r["Type"] == "AWS::FSx::FileSystem"]
    assert RULES["UF-R006"].check(fs[0], fs[1], fs[2], app) is Compliance.COMPLIANT


def test_acknowledgments_need_a_reason():
    resources = {
        "B": {
            "Type": "AWS::S3::Bucket",
            "Properties": {},
            "Metadata": {"ultrafleet": {"acknowledged": {"UF-R007": "scratch data, rebuilt nightly"}}},
        }
    }
    assert run(App(templates={"s": {"Resources": resources}})) == []
    resources["B"]["Metadata"]["ultrafleet"]["acknowledged"]["UF-R007"] = " "
    assert [str(f) for f in run(App(templates={"s": {"Resources": resources}}))] == [
        "error UF-R007 s/B: acknowledged without a reason; say why"
    ]


def test_check_command_passes_and_fails(cli_assemblies, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["check", str(cli_assemblies["starter"])])
    assert (ok.exit_code, ok.stdout.strip().endswith("0 findings, 0 errors")) == (0, True)
    broken = tmp_path / "assembly"
    shutil.copytree(cli_assemblies["starter"], broken)
    path = broken / "starter-fleet-p5-dev.template.json"
    template = json.loads(path.read_text())
    lt_resource = next(r for r in template["Resources"].values() if r["Type"] == "AWS::EC2::LaunchTemplate")
    changed = copy.deepcopy(template)
    next(r for r in changed["Resources"].values() if r == lt_resource)["Properties"]["LaunchTemplateData"][
        "MetadataOptions"
    ]["HttpTokens"] = "optional"
    path.write_text(json.dumps(changed))
    bad = runner.invoke(cli, ["check", str(broken)])
    assert bad.exit_code == 1
    assert "error UF-R002 starter-fleet-p5-dev/" in bad.stderr and "HttpTokens: required" in bad.stderr
    assert runner.invoke(cli, ["check", str(tmp_path / "nothing")]).exit_code == 2
