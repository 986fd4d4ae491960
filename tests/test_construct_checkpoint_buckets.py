"""CheckpointBucket and ExpressCheckpointBucket alone in a bare Stack."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from ultrafleet.constructs.checkpoint_bucket import (
    LOGS_BY_BUCKET_POLICY,
    AccessLogging,
    CheckpointBucket,
    CheckpointBucketProps,
    CheckpointTransition,
)
from ultrafleet.constructs.express_checkpoint_bucket import ExpressCheckpointBucket, ExpressCheckpointBucketProps


def bucket(flag: bool = True, **changes) -> tuple[cdk.Stack, CheckpointBucket]:
    stack = cdk.Stack(cdk.App(context={LOGS_BY_BUCKET_POLICY: flag}))
    props = {
        "key": kms.Key(stack, "Key"),
        "abort_incomplete_multipart_days": 2,
        "noncurrent_version_expiration_days": 40,
        "noncurrent_versions_to_keep": 5,
        "transition": CheckpointTransition(storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, after_days=60),
        "access_logging": AccessLogging.SERVER_ACCESS_LOGS,
    }
    return stack, CheckpointBucket(stack, "Checkpoints", props=CheckpointBucketProps(**(props | changes)))


@pytest.fixture(scope="module")
def logged() -> Template:
    stack, construct = bucket(expire_checkpoints_after_days=90)
    role = iam.Role(stack, "FleetRole", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    role.add_managed_policy(construct.fleet_policy("train"))
    return Template.from_stack(stack)


def test_the_lifecycle_is_the_props(logged):
    logged.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "abort-incomplete-multipart-uploads",
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
                        "Status": "Enabled",
                    },
                    {
                        "Id": "expire-noncurrent-versions",
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 40, "NewerNoncurrentVersions": 5},
                        "Status": "Enabled",
                    },
                    {"Id": "remove-expired-delete-markers", "ExpiredObjectDeleteMarker": True, "Status": "Enabled"},
                    {
                        "Id": "transition-checkpoints",
                        "Prefix": "checkpoints/",
                        "Transitions": [{"StorageClass": "GLACIER_IR", "TransitionInDays": 60}],
                        "Status": "Enabled",
                    },
                    {"Id": "expire-checkpoints", "Prefix": "checkpoints/", "ExpirationInDays": 90, "Status": "Enabled"},
                ]
            },
            "LoggingConfiguration": {"LogFilePrefix": "checkpoint-bucket/"},
        },
    )


def test_a_fleet_policy_reaches_only_its_own_prefix(logged):
    logged.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "Description": "ultrafleet: train checkpoints",
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "FleetCheckpointListing",
                                "Condition": {"StringLike": {"s3:prefix": ["checkpoints/train/*"]}},
                            }
                        )
                    ]
                )
            },
        },
    )
    (policy_id,) = logged.find_resources("AWS::IAM::ManagedPolicy")
    logged.has_resource_properties("AWS::IAM::Role", {"ManagedPolicyArns": [{"Ref": policy_id}]})


def test_cloudtrail_data_events_instead_of_server_logs():
    stack, _ = bucket(access_logging=AccessLogging.CLOUDTRAIL_DATA_EVENTS, transition=None)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::CloudTrail::Trail", 1)
    template.has_resource_properties(
        "AWS::S3::Bucket", {"LoggingConfiguration": Match.absent(), "BucketEncryption": Match.any_value()}
    )
    rules = template.find_resources(
        "AWS::S3::Bucket",
        {
            "Properties": {
                "LifecycleConfiguration": {
                    "Rules": Match.array_with([Match.object_like({"Id": "transition-checkpoints"})])
                }
            }
        },
    )
    assert rules == {}


def test_without_log_delivery_by_bucket_policy_it_refuses():
    with pytest.raises(ValueError) as raised:
        bucket(flag=False)
    assert str(raised.value) == (
        f"feature flag {LOGS_BY_BUCKET_POLICY} must be on (cdk.json sets it): the log bucket has no ACLs"
    )


def express(zone_id: str = "use1-az4", **changes) -> Template:
    stack = cdk.Stack(cdk.App())
    props = {
        "zone_id": zone_id,
        "key": kms.Key(stack, "Key"),
        "expire_after_days": 3,
        "abort_incomplete_multipart_days": 1,
    }
    ExpressCheckpointBucket(stack, "Express", props=ExpressCheckpointBucketProps(**(props | changes)))
    return Template.from_stack(stack)


def test_the_directory_bucket_sits_in_its_zone_and_expires_objects():
    express(base_name="ckpt").has_resource_properties(
        "AWS::S3Express::DirectoryBucket",
        {
            "BucketName": "ckpt--use1-az4--x-s3",
            "LocationName": "use1-az4",
            "DataRedundancy": "SingleAvailabilityZone",
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "ExpirationInDays": 3,
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                        "Status": "Enabled",
                        "Id": "expire-after-onward-copy",
                    }
                ]
            },
        },
    )


@pytest.mark.parametrize("zone_id", ["use1-az4", "usw2-lax1-az1"])
def test_zone_ids_are_taken(zone_id):
    express(zone_id).has_resource_properties("AWS::S3Express::DirectoryBucket", {"LocationName": zone_id})


@pytest.mark.parametrize("zone_id", ["us-east-1a", "use1-az"])
def test_a_zone_name_is_not_a_zone_id(zone_id):
    with pytest.raises(ValueError) as raised:
        express(zone_id)
    assert (
        str(raised.value) == f"zone_id: {zone_id!r} is not a zone id; pass the zone's id (like use1-az4), not its name"
    )
