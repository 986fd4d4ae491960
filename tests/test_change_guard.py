"""The replacement guard: `cdk diff` output parsed into changes, stateful ones blocked unless allowed, and the
`ultrafleet diff` command end to end with the real CLI against a previous cloud assembly."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from conftest import ROOT
from ultrafleet.cli.commands import app
from ultrafleet.deploy.change_guard import Change, guard, parse_cdk_diff

# Real `cdk diff --no-color` output of the pinned CLI (an old template with two extra keys, and a bucket name set).
CDK_DIFF = """\
Stack starter-storage
Resources
[-] AWS::KMS::Key CheckpointKey OldKey1234 orphan
[-] AWS::KMS::Key CheckpointKey OldKeyNoRetain destroy
[~] AWS::S3::Bucket Checkpoints/Bucket CheckpointsBucket6BA0C50D replace
 └─ [+] BucketName (requires replacement)
     └─ acme-checkpoints-1
[~] AWS::S3::BucketPolicy Checkpoints/Bucket/Policy CheckpointsBucketPolicyFFC3DCA4 replace
 └─ [~] Bucket (requires replacement)

Stack starter-fleet-p5
Resources
[~] AWS::EC2::LaunchTemplate LaunchTemplateABC may be replaced
[~] AWS::FSx::FileSystem Lustre/FileSystem LustreFileSystem12 may be replaced
[+] AWS::S3::Bucket New/Bucket NewBucket1
"""


def test_parse_reads_every_replacement_and_removal_with_its_stack():
    assert parse_cdk_diff(CDK_DIFF) == [
        Change("starter-storage", "AWS::KMS::Key", "CheckpointKey", "OldKey1234", "orphan"),
        Change("starter-storage", "AWS::KMS::Key", "CheckpointKey", "OldKeyNoRetain", "destroy"),
        Change("starter-storage", "AWS::S3::Bucket", "Checkpoints/Bucket", "CheckpointsBucket6BA0C50D", "replace"),
        Change(
            "starter-storage",
            "AWS::S3::BucketPolicy",
            "Checkpoints/Bucket/Policy",
            "CheckpointsBucketPolicyFFC3DCA4",
            "replace",
        ),
        Change("starter-fleet-p5", "AWS::EC2::LaunchTemplate", "", "LaunchTemplateABC", "may be replaced"),
        Change(
            "starter-fleet-p5", "AWS::FSx::FileSystem", "Lustre/FileSystem", "LustreFileSystem12", "may be replaced"
        ),
    ]


def test_stateful_losses_are_errors_orphans_warnings_and_the_rest_ignored():
    assert [str(f) for f in guard(parse_cdk_diff(CDK_DIFF), allow_replacement=False)] == [
        "warning UF-DIFF-002 starter-storage/CheckpointKey: AWS::KMS::Key OldKey1234 leaves the stack but is "
        "retained: its data stays, unmanaged; import it or delete it by hand",
        "error UF-DIFF-001 starter-storage/CheckpointKey: AWS::KMS::Key OldKeyNoRetain would be deleted, and its data "
        "with it. Revert the change, or copy the data first and pass --allow-replacement",
        "error UF-DIFF-001 starter-storage/Checkpoints/Bucket: AWS::S3::Bucket CheckpointsBucket6BA0C50D would be "
        "replaced, and its data with it. Revert the change, or copy the data first and pass --allow-replacement",
        "error UF-DIFF-001 starter-fleet-p5/Lustre/FileSystem: AWS::FSx::FileSystem LustreFileSystem12 may be "
        "replaced, and its data with it. Revert the change, or copy the data first and pass --allow-replacement",
    ]


def test_allow_replacement_turns_the_errors_into_warnings():
    findings = guard(parse_cdk_diff(CDK_DIFF), allow_replacement=True)
    assert [(f.code, f.level.value) for f in findings] == [("UF-DIFF-002", "warning")] + [
        ("UF-DIFF-001", "warning")
    ] * 3


# Real `cdk diff --no-color` output of the pinned CLI (excerpt): the starter spec with a Lustre file system, then
# network.vpc_cidr 10.0.0.0/16 -> 10.1.0.0/16 and storage.lustre.storage_capacity_gib 4800 -> 2400.
NETWORK_AND_CAPACITY_DIFF = """\
Stack starter-network
Resources
[~] AWS::EC2::VPC Vpc Vpc8378EB38 replace
 └─ [~] CidrBlock (requires replacement)
     ├─ [-] 10.0.0.0/16
     └─ [+] 10.1.0.0/16
[~] AWS::EC2::Subnet Vpc/computeSubnet1/Subnet VpccomputeSubnet1Subnet76815338 replace
 └─ [~] CidrBlock (requires replacement)
     ├─ [-] 10.0.1.0/24
     └─ [+] 10.1.1.0/24
[~] AWS::EC2::RouteTable Vpc/computeSubnet1/RouteTable VpccomputeSubnet1RouteTable007DF4CF replace
 └─ [~] VpcId (requires replacement)
     └─ [~] .Ref:
         ├─ [-] Vpc8378EB38
         └─ [+] Vpc8378EB38 (replaced)



✨  Number of stacks with differences: 1

Stack starter-storage
Resources
[~] AWS::FSx::FileSystem Lustre/FileSystem LustreFileSystem4AFDAE78
 └─ [~] StorageCapacity
     ├─ [-] 4800
     └─ [+] 2400
"""


def test_a_vpc_replacement_and_a_lustre_shrink_are_blocked():
    findings = guard(parse_cdk_diff(NETWORK_AND_CAPACITY_DIFF), allow_replacement=False)
    network = (
        "would be replaced, and with it the subnets the file system and every fleet live in (the other stacks import "
        "them, so the deploy fails or replaces them all). Revert the network change (network.vpc_cidr), or deploy a "
        "new environment and pass --allow-replacement"
    )
    assert [str(f) for f in findings] == [
        f"error UF-DIFF-003 starter-network/Vpc: AWS::EC2::VPC Vpc8378EB38 {network}",
        f"error UF-DIFF-003 starter-network/Vpc/computeSubnet1/Subnet: AWS::EC2::Subnet "
        f"VpccomputeSubnet1Subnet76815338 {network}",
        "error UF-DIFF-004 starter-storage/Lustre/FileSystem: AWS::FSx::FileSystem LustreFileSystem4AFDAE78: "
        "StorageCapacity 4800 -> 2400 GiB, but an FSx for Lustre file system can only grow; keep the capacity, or "
        "move the data to a new file system first",
    ]
    allowed = guard(parse_cdk_diff(NETWORK_AND_CAPACITY_DIFF), allow_replacement=True)
    assert [(f.code, f.level.value) for f in allowed] == [
        ("UF-DIFF-003", "warning"),
        ("UF-DIFF-003", "warning"),
        ("UF-DIFF-004", "error"),  # FSx refuses it whatever the flag says
    ]


def test_a_lustre_capacity_increase_passes():
    grown = NETWORK_AND_CAPACITY_DIFF.split("Stack starter-storage")[1].replace("[-] 4800", "[-] 1200")
    assert guard(parse_cdk_diff("Stack starter-storage" + grown), allow_replacement=False) == []


runner = CliRunner()


@pytest.fixture(scope="module")
def deployed(cli_assemblies):
    """The starter spec's assembly from the session's real `cdk synth` (the one `ultrafleet synth` writes, file for
    file: tests/test_in_process_synth.py): the assembly a change is compared against."""
    return cli_assemblies["starter"]


def changed_spec(tmp_path, **bucket) -> str:
    data = yaml.safe_load((ROOT / "specs/starter.yaml").read_text())
    data["fleets"][0]["count"] = 4
    data.setdefault("storage", {}).setdefault("checkpoint_bucket", {}).update(bucket)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_diff_passes_a_change_that_keeps_state(deployed, tmp_path):
    result = runner.invoke(
        app, ["diff", changed_spec(tmp_path), "--against", str(deployed), "--output", str(tmp_path / "new")]
    )
    assert result.exit_code == 0, result.output
    assert "[~] AWS::AutoScaling::AutoScalingGroup" in result.stdout
    assert result.stdout.splitlines()[-1] == "0 replacements or removals, 0 blocked"
    # a stack whose template is the same file content as the older one's is reported without starting `cdk diff`
    same = f"(the same template as in {deployed})"
    unchanged = [line for line in result.stdout.splitlines() if line.endswith(same)]
    assert unchanged == [f"Stack starter-{stack}: no differences {same}" for stack in ("network", "storage")]
    compared = [line for line in result.stdout.splitlines() if line.startswith("Stack ") and not line.endswith(same)]
    assert compared == ["Stack starter-fleet-p5-dev", "Stack starter-observability"]  # the fleet's count changed


def test_diff_blocks_a_change_that_replaces_the_checkpoint_bucket(deployed, tmp_path):
    spec = changed_spec(tmp_path, bucket_name="acme-checkpoints-dev")
    args = ["diff", spec, "--against", str(deployed), "--output", str(tmp_path / "new")]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    blocked = [line for line in result.stderr.splitlines() if line.startswith("error UF-DIFF-001")]
    assert blocked == [
        "error UF-DIFF-001 starter-storage/Checkpoints/Bucket: AWS::S3::Bucket CheckpointsBucket6BA0C50D would be "
        "replaced, and its data with it. Revert the change, or copy the data first and pass --allow-replacement"
    ]
    assert result.stdout.splitlines()[-1] == "2 replacements or removals, 1 blocked"  # the bucket and its policy

    allowed = runner.invoke(app, [*args, "--allow-replacement"])
    assert allowed.exit_code == 0
    assert "warning UF-DIFF-001 starter-storage/Checkpoints/Bucket" in allowed.stderr


def test_diff_against_something_that_is_not_an_assembly_exits_2(tmp_path):
    result = runner.invoke(app, ["diff", str(ROOT / "specs/starter.yaml"), "--against", str(tmp_path)])
    assert result.exit_code == 2
    assert f"error: --against {tmp_path} is not a cloud assembly (no manifest.json)" in result.stderr
