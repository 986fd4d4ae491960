"""Change safety in moto: a fleet change updates only the fleet stack, and deleting the compute stack leaves the
checkpoint bucket, its data and Lustre in place."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import ROOT
from ultrafleet.deploy import in_process
from ultrafleet.testing.harness import MotoCloud


def stateful(cloud) -> dict[str, str]:
    rows = cloud.client("cloudformation").list_stack_resources(StackName="frontier-storage")["StackResourceSummaries"]
    return {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in rows
        if r["ResourceType"] in ("AWS::S3::Bucket", "AWS::FSx::FileSystem", "AWS::KMS::Key")
    }


@pytest.fixture(scope="module")
def cloud(cli_assemblies):
    with MotoCloud() as cloud:
        cloud.deploy_assembly(cli_assemblies["reference"])
        yield cloud


def synth_in_process(spec: dict, tmp_path) -> dict[str, dict]:
    """The templates `ultrafleet synth` writes for a spec written to a file (the real CLI's, file for file:
    tests/test_in_process_synth.py)."""
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(spec))
    out = tmp_path / "cdk.out"
    assert in_process.synth(ROOT, {"spec": str(path)}, out) is in_process.Outcome.DONE
    return {p.name.removesuffix(".template.json"): json.loads(p.read_text()) for p in out.glob("*.template.json")}


def test_fleet_change_compute_delete_and_redeploy_leave_storage_and_data_untouched(cloud, cli_synth, tmp_path):
    before = stateful(cloud)
    (bucket,) = [p for p in before.values() if "checkpoints" in p.lower() and "accesslogs" not in p.lower()]
    s3 = cloud.client("s3")
    s3.put_object(Bucket=bucket, Key="checkpoints/pretrain-b200/node-1/step-0100/model.safetensors", Body=b"w")

    spec = yaml.safe_load((ROOT / "specs/reference.yaml").read_text())
    spec["fleets"][0]["count"] = 48  # grow the B200 fleet
    changed = synth_in_process(spec, tmp_path)
    # a fleet change leaves the storage template alone and touches only the grown fleet's group (and the rule
    # that sizes it when its Capacity Block is delivered)
    assert changed["frontier-storage"] == cli_synth["reference"]["frontier-storage"]
    for other in ("gb200-nvl72", "trn2-finetune", "serve-g7e"):  # other fleets' stacks are identical
        assert changed[f"frontier-fleet-{other}"] == cli_synth["reference"][f"frontier-fleet-{other}"]
    fleets_template = changed["frontier-fleet-pretrain-b200"]
    before_fleets = cli_synth["reference"]["frontier-fleet-pretrain-b200"]["Resources"]
    assert [k for k, r in fleets_template["Resources"].items() if r != before_fleets[k]] == [
        next(k for k in before_fleets if k.startswith("pretrainb200Group")),
        next(k for k in before_fleets if k.startswith("CapacityBlockDelivered")),
    ]
    cloud.deploy("frontier-fleet-pretrain-b200", fleets_template, update=True)

    asgs = cloud.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    assert sorted(g["DesiredCapacity"] for g in asgs) == [4, 8, 18, 48]
    assert stateful(cloud) == before

    cfn = cloud.client("cloudformation")
    for fleet in ("pretrain-b200", "gb200-nvl72", "trn2-finetune", "serve-g7e"):  # every compute stack
        cfn.delete_stack(StackName=f"frontier-fleet-{fleet}")
    assert cloud.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"] == []
    assert stateful(cloud) == before
    body = s3.get_object(Bucket=bucket, Key="checkpoints/pretrain-b200/node-1/step-0100/model.safetensors")["Body"]
    assert body.read() == b"w"
    assert len(cloud.client("fsx").describe_file_systems()["FileSystems"]) == 1
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]

    # and a destroyed fleet stack deploys again on the same storage
    cloud.deploy("frontier-fleet-pretrain-b200", cli_synth["reference"]["frontier-fleet-pretrain-b200"])
    groups = cloud.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    assert [(g["AutoScalingGroupName"], g["DesiredCapacity"]) for g in groups] == [("frontier-pretrain-b200", 32)]
    assert stateful(cloud) == before
