"""The fast checkpoint tiers in templates: the S3 Express One Zone directory bucket (shipped spec
specs/checkpoint-1t.yaml, from the session's real `cdk synth`; its moto deployment is in test_moto_deploy), and FSx
for Lustre over EFA."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def ckpt1t(cli_synth) -> dict[str, dict]:
    return cli_synth["checkpoint-1t"]


def resources(template: dict, kind: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def test_directory_bucket_in_the_fleets_zone_id_encrypted_and_expiring(ckpt1t):
    (bucket,) = resources(ckpt1t["ckpt1t-storage"], "AWS::S3Express::DirectoryBucket")
    p = bucket["Properties"]
    # us-east-1a is use1-az6 for this account (cdk.json ultrafleet:zone-ids:...)
    assert (p["LocationName"], p["DataRedundancy"]) == ("use1-az6", "SingleAvailabilityZone")
    assert "BucketName" not in p  # CloudFormation generates base--use1-az6--x-s3
    (rule,) = p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["BucketKeyEnabled"] is True
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "Fn::GetAtt" in rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    assert p["LifecycleConfiguration"] == {
        "Rules": [
            {
                "Id": "expire-after-onward-copy",
                "Status": "Enabled",
                "ExpirationInDays": 7,
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
            }
        ]
    }
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_training_fleet_may_open_sessions_on_the_directory_bucket(ckpt1t):
    fleet_stack = ckpt1t["ckpt1t-fleet-pretrain"]
    statements = [
        s for p in resources(fleet_stack, "AWS::IAM::Policy") for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    (session,) = [s for s in statements if s.get("Sid") == "ExpressCheckpointSessions"]
    assert session["Action"] == "s3express:CreateSession"
    assert "ExpressArn" in json.dumps(session["Resource"]) or "Express" in json.dumps(session["Resource"])
    (key,) = [s for s in statements if s.get("Sid") == "ExpressCheckpointKey"]
    assert key["Condition"] == {
        "StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["s3express.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}
    }


@pytest.fixture(scope="module")
def efa_lustre() -> dict:
    """The file system construct alone in a bare stack (a whole app costs tens of seconds here)."""
    import aws_cdk as cdk
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_s3 as s3
    from aws_cdk.assertions import Template

    from ultrafleet.constructs.lustre_checkpoint_fs import LustreCheckpointFileSystem, LustreDeploymentType, LustreProps

    stack = cdk.Stack(cdk.App())
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
    LustreCheckpointFileSystem(
        stack,
        "Lustre",
        props=LustreProps(
            vpc=vpc,
            subnet=vpc.isolated_subnets[0],
            key=kms.Key(stack, "Key"),
            bucket=s3.Bucket(stack, "Bucket"),
            deployment_type=LustreDeploymentType.PERSISTENT_2,
            storage_capacity_gib=14400,
            throughput_mb_s_per_tib=1000,
            efa=True,
        ),
    )
    return Template.from_stack(stack).to_json()


def test_lustre_over_efa_is_persistent_2_with_a_metadata_configuration(efa_lustre):
    (fs,) = resources(efa_lustre, "AWS::FSx::FileSystem")
    config = fs["Properties"]["LustreConfiguration"]
    assert (config["DeploymentType"], config["EfaEnabled"], config["MetadataConfiguration"]) == (
        "PERSISTENT_2",
        True,
        {"Mode": "AUTOMATIC"},
    )


def test_lustre_efa_security_group_allows_all_traffic_within_itself(efa_lustre):
    ingress = resources(efa_lustre, "AWS::EC2::SecurityGroupIngress")
    egress = resources(efa_lustre, "AWS::EC2::SecurityGroupEgress")
    all_in = [r["Properties"] for r in ingress if r["Properties"]["IpProtocol"] == "-1"]
    all_out = [r["Properties"] for r in egress if r["Properties"]["IpProtocol"] == "-1"]
    assert {r["Description"] for r in all_in} == {"EFA between servers", "EFA from clients", "EFA from servers"}
    assert {r["Description"] for r in all_out} == {"EFA between servers", "EFA to clients", "EFA to servers"}


def findings_of(data) -> list[str]:
    from ultrafleet.findings import SpecError
    from ultrafleet.spec import parse_spec
    from ultrafleet.validation import validate

    try:
        return [str(f) for f in validate(parse_spec(data))]
    except SpecError as exc:
        return [str(f) for f in exc.findings]


def spec_with(account: str | None = "123456789012", **storage) -> dict:
    from conftest import spec_dict

    data = spec_dict(storage=storage)
    return data | {"account": account} if account else data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            spec_with(nvme_cache={"drain_target": "express"}),
            "error UF-STO-012 storage.nvme_cache.drain_target: express: the spec has no storage.express_bucket; add "
            "`express_bucket: {}` or drain to s3",
        ),
        (
            spec_with(account=None, express_bucket={}),
            "error UF-STO-010 storage.express_bucket: us-east-1a: a directory bucket's location is a zone id, and zone "
            "names map to zone ids per account; set the spec's account and its mapping in cdk.json",
        ),
        (
            spec_with(express_bucket={"base_name": "a" * 48}),
            f"error UF-STO-013 storage.express_bucket.base_name: '{'a' * 48}': with --use1-az6--x-s3 the name exceeds "
            "63 characters; use at most 47",
        ),
        (
            spec_with(lustre={"storage_capacity_gib": 4800, "efa": True}),
            "warning UF-STO-014 storage.lustre.efa: true on 4,800 GiB (4.7 TiB) x 250 MB/s/TiB = 1.2 GB/s: AWS "
            "recommends EFA for file systems above 10 GBps; an EFA file system's throughput tier cannot be changed "
            "later",
        ),
    ],
    ids=["drain-to-missing-express", "express-without-account", "express-name-too-long", "efa-below-10-gbps"],
)
def test_checkpoint_tier_findings(data, message):
    assert message in findings_of(data)


def test_the_longest_express_base_name_is_accepted():
    assert findings_of(spec_with(express_bucket={"base_name": "a" * 47})) == []


def test_shipped_1t_plan_waits_under_300_s_with_every_figure_sourced(root):
    from typer.testing import CliRunner

    from ultrafleet.cli.commands import app

    out = CliRunner().invoke(app, ["plan", str(root / "specs/checkpoint-1t.yaml"), "--json"])
    ckpt = json.loads(out.stdout)["fleets"][0]["checkpoint"]
    assert (ckpt["checkpoint_size_gb"], ckpt["first_tier"]) == (2000, "express")
    assert ckpt["gpu_wait_seconds"] < 300 and ckpt["durable_seconds"] == ckpt["gpu_wait_seconds"]
    limits = [limit for tier in ckpt["tiers"].values() for limit in tier["limits"]]
    assert all(limit["gb_s"] is not None and limit["source"] for limit in limits)
    assert {tier["binding_limit"] for tier in ckpt["tiers"].values()} == {"client upload"}
    table = CliRunner().invoke(app, ["plan", str(root / "specs/checkpoint-1t.yaml")]).stdout
    assert (
        "pretrain: GPUs wait 5 s (an upper bound until the upload speed is measured); durable after 5 s (written "
        "straight to express)"
    ) in table
