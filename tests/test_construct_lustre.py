"""LustreCheckpointFileSystem alone in a bare Stack (as aws-cdk's aws-fsx/test/lustre-file-system.test.ts)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from ultrafleet.constructs.lustre_checkpoint_fs import LustreCheckpointFileSystem, LustreDeploymentType, LustreProps

PERSISTENT, SCRATCH = LustreDeploymentType.PERSISTENT_2, LustreDeploymentType.SCRATCH_2


def build(**changes) -> Template:
    stack = cdk.Stack(cdk.App())
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
    props = {
        "vpc": vpc,
        "subnet": vpc.isolated_subnets[0],
        "key": kms.Key(stack, "Key"),
        "bucket": s3.Bucket(stack, "Bucket"),
        "deployment_type": PERSISTENT,
        "storage_capacity_gib": 2400,
        "throughput_mb_s_per_tib": 500,
    }
    LustreCheckpointFileSystem(stack, "Lustre", props=LustreProps(**(props | changes)))
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def persistent() -> Template:
    return build()


def test_persistent_2_takes_the_given_throughput_and_the_key(persistent):
    persistent.has_resource_properties(
        "AWS::FSx::FileSystem",
        {
            "StorageCapacity": 2400,
            "KmsKeyId": Match.any_value(),
            "LustreConfiguration": {
                "DeploymentType": "PERSISTENT_2",
                "PerUnitStorageThroughput": 500,
                "DataCompressionType": "LZ4",
                "EfaEnabled": Match.absent(),
            },
        },
    )


def test_the_association_links_checkpoints_both_ways(persistent):
    events = ["NEW", "CHANGED", "DELETED"]
    persistent.has_resource_properties(
        "AWS::FSx::DataRepositoryAssociation",
        {
            "FileSystemPath": "/checkpoints",
            "S3": {"AutoImportPolicy": {"Events": events}, "AutoExportPolicy": {"Events": events}},
        },
    )


def test_clients_reach_the_servers_on_the_lustre_ports_only(persistent):
    for low, high in ((988, 988), (1018, 1023)):
        persistent.has_resource_properties(
            "AWS::EC2::SecurityGroupEgress",
            {"Description": "Lustre to servers", "IpProtocol": "tcp", "FromPort": low, "ToPort": high},
        )
    rules = persistent.find_resources("AWS::EC2::SecurityGroupIngress", {"Properties": {"IpProtocol": "-1"}})
    assert rules == {}


def test_retained_unless_asked_and_then_acknowledged():
    template = build(retain_on_delete=False)
    template.has_resource(
        "AWS::FSx::FileSystem", {"DeletionPolicy": "Delete", "Metadata": {"ultrafleet": Match.any_value()}}
    )


def test_scratch_2_has_no_throughput_nor_key():
    template = build(deployment_type=SCRATCH, throughput_mb_s_per_tib=None)
    template.has_resource_properties(
        "AWS::FSx::FileSystem",
        {
            "KmsKeyId": Match.absent(),
            "LustreConfiguration": {"DeploymentType": "SCRATCH_2", "PerUnitStorageThroughput": Match.absent()},
        },
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"throughput_mb_s_per_tib": None},
            "throughput_mb_s_per_tib: required for PERSISTENT_2; pass the planned MB/s per TiB",
        ),
        (
            {"deployment_type": SCRATCH, "throughput_mb_s_per_tib": 125},
            "throughput_mb_s_per_tib: 125 is not allowed for SCRATCH_2, whose throughput is fixed; pass None",
        ),
        (
            {"deployment_type": SCRATCH, "throughput_mb_s_per_tib": None, "efa": True},
            "efa: True needs deployment_type PERSISTENT_2, not SCRATCH_2",
        ),
    ],
)
def test_contradicting_props_are_refused(changes, message):
    with pytest.raises(ValueError) as raised:
        build(**changes)
    assert str(raised.value) == message
