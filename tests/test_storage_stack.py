"""The storage stack: bucket, lifecycle, policy, KMS key, Lustre and its association; the fleets' link to them."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from conftest import build_stacks, fleet_template, spec_dict
from ultrafleet.testing.user_data import user_data_text


@pytest.fixture(scope="module")
def storage(reference_stacks) -> Template:
    return Template.from_stack(reference_stacks.storage)


@pytest.fixture(scope="module")
def fleets(reference_stacks) -> Template:
    return fleet_template(reference_stacks)


@pytest.fixture(scope="module")
def alternative() -> Template:
    spec = spec_dict(
        storage={
            "checkpoint_bucket": {"access_logging": "cloudtrail-data-events", "transition": None},
            "lustre": {"deployment_type": "SCRATCH_2", "storage_capacity_gib": 2400, "retain_on_delete": False},
        }
    )
    return Template.from_stack(build_stacks(spec).storage)


def checkpoint_bucket(template: Template) -> dict:
    buckets = template.find_resources(
        "AWS::S3::Bucket",
        {"Properties": {"VersioningConfiguration": Match.any_value(), "BucketEncryption": Match.object_like({})}},
    )
    (bucket,) = [b for b in buckets.values() if "aws:kms" in json.dumps(b["Properties"]["BucketEncryption"])]
    return bucket


def test_bucket_is_versioned_kms_encrypted_private_owned_and_retained(storage):
    bucket = checkpoint_bucket(storage)
    p = bucket["Properties"]
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert p["VersioningConfiguration"] == {"Status": "Enabled"}
    rule = p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["BucketKeyEnabled"] is True
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "Fn::GetAtt" in rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    assert p["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert p["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert p["LoggingConfiguration"]["LogFilePrefix"] == "checkpoint-bucket/"


def test_lifecycle_rules_from_the_reference_spec(storage):
    rules = {r["Id"]: r for r in checkpoint_bucket(storage)["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules == {
        "abort-incomplete-multipart-uploads": {
            "Id": "abort-incomplete-multipart-uploads",
            "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        },
        "expire-noncurrent-versions": {
            "Id": "expire-noncurrent-versions",
            "Status": "Enabled",
            "NoncurrentVersionExpiration": {"NoncurrentDays": 30, "NewerNoncurrentVersions": 3},
        },
        "remove-expired-delete-markers": {
            "Id": "remove-expired-delete-markers",
            "Status": "Enabled",
            "ExpiredObjectDeleteMarker": True,
        },
        "transition-checkpoints": {
            "Id": "transition-checkpoints",
            "Status": "Enabled",
            "Prefix": "checkpoints/",
            "Transitions": [{"StorageClass": "INTELLIGENT_TIERING", "TransitionInDays": 7}],
        },
        "expire-checkpoints": {
            "Id": "expire-checkpoints",
            "Status": "Enabled",
            "Prefix": "checkpoints/",
            "ExpirationInDays": 180,
        },
    }


def test_bucket_policy_denies_plain_http(storage):
    policies = storage.find_resources("AWS::S3::BucketPolicy")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    deny = [s for s in statements if s["Effect"] == "Deny"]
    assert len(deny) == 2  # checkpoint bucket and access-log bucket
    assert all(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and s["Action"] == "s3:*" for s in deny)


def test_kms_key_rotates_and_is_retained_and_lets_fsx_use_it(storage):
    storage.has_resource(
        "AWS::KMS::Key", {"Properties": Match.object_like({"EnableKeyRotation": True}), "DeletionPolicy": "Retain"}
    )
    key = next(iter(storage.find_resources("AWS::KMS::Key").values()))
    fsx = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "FsxDataRepositoryAccess"]
    assert len(fsx) == 1
    assert "AWSServiceRoleForFSxS3Access_*" in json.dumps(fsx[0]["Condition"])


def test_access_log_bucket_is_private_and_expires_logs(storage):
    storage.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "LifecycleConfiguration": {
                "Rules": Match.array_with([Match.object_like({"Id": "expire-access-logs", "ExpirationInDays": 365})])
            },
        },
    )


def test_lustre_file_system_properties_and_retention(storage):
    storage.has_resource(
        "AWS::FSx::FileSystem",
        {
            "Properties": Match.object_like(
                {
                    "FileSystemType": "LUSTRE",
                    "FileSystemTypeVersion": "2.15",
                    "StorageCapacity": 48000,
                    "StorageType": "SSD",
                    "KmsKeyId": Match.any_value(),
                    "LustreConfiguration": {
                        "DeploymentType": "PERSISTENT_2",
                        "PerUnitStorageThroughput": 500,
                        "DataCompressionType": "LZ4",
                    },
                }
            ),
            "DeletionPolicy": "Retain",
        },
    )


def test_data_repository_association_imports_and_exports_every_change(storage):
    dra = next(iter(storage.find_resources("AWS::FSx::DataRepositoryAssociation").values()))["Properties"]
    events = {"Events": ["NEW", "CHANGED", "DELETED"]}
    assert dra["FileSystemPath"] == "/checkpoints"
    assert dra["BatchImportMetaDataOnCreate"] is True
    assert dra["S3"] == {"AutoImportPolicy": events, "AutoExportPolicy": events}
    assert dra["DataRepositoryPath"]["Fn::Join"][1][-1] == "/checkpoints/"


def test_lustre_ports_only_between_servers_and_clients(storage):
    ingress = [r["Properties"] for r in storage.find_resources("AWS::EC2::SecurityGroupIngress").values()]
    ports = sorted({(r["FromPort"], r["ToPort"]) for r in ingress})
    assert ports == [(988, 988), (1018, 1023)]
    assert len(ingress) == 4  # both ports, from itself and from the clients' group
    egress = [r["Properties"] for r in storage.find_resources("AWS::EC2::SecurityGroupEgress").values()]
    assert sorted((r["FromPort"], r["ToPort"]) for r in egress) == [(988, 988), (988, 988), (1018, 1023), (1018, 1023)]


def test_lustre_sits_in_the_first_training_fleets_zone(reference_stacks, storage):
    fs = next(iter(storage.find_resources("AWS::FSx::FileSystem").values()))
    (subnet,) = fs["Properties"]["SubnetIds"]
    assert "computeSubnet1" in json.dumps(subnet)  # the us-east-1a compute subnet of the network stack


def test_alternative_settings_cloudtrail_scratch_and_destroy(alternative):
    alternative.has_resource_properties(
        "AWS::CloudTrail::Trail",
        {
            "IsLogging": True,
            "EnableLogFileValidation": True,
            "IsMultiRegionTrail": False,
            "EventSelectors": [Match.object_like({"IncludeManagementEvents": False, "ReadWriteType": "All"})],
        },
    )
    fs = next(iter(alternative.find_resources("AWS::FSx::FileSystem").values()))
    assert fs["DeletionPolicy"] == "Delete"
    assert "KmsKeyId" not in fs["Properties"]
    assert fs["Properties"]["LustreConfiguration"] == {"DeploymentType": "SCRATCH_2", "DataCompressionType": "LZ4"}
    bucket = checkpoint_bucket(alternative)
    assert "LoggingConfiguration" not in bucket["Properties"]
    assert "transition-checkpoints" not in json.dumps(bucket["Properties"]["LifecycleConfiguration"])


def test_each_training_fleet_may_only_touch_its_own_prefix(storage):
    policies = storage.find_resources("AWS::IAM::ManagedPolicy")
    assert len(policies) == 3
    prefixes = []
    for policy in policies.values():
        objects, listing, key = policy["Properties"]["PolicyDocument"]["Statement"]
        assert objects["Action"] == [
            "s3:GetObject",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
        ]
        prefix = objects["Resource"]["Fn::Join"][1][-1].removeprefix("/")
        prefixes.append(prefix)
        assert listing["Action"] == "s3:ListBucket"
        assert listing["Condition"] == {"StringLike": {"s3:prefix": [prefix]}}
        assert key["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
        assert list(key["Condition"]["StringEquals"]) == ["kms:ViaService"]
        assert all(
            "*" not in a
            for st in (objects, listing, key)
            for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
        )
    assert sorted(prefixes) == [
        "checkpoints/gb200-nvl72/*",
        "checkpoints/pretrain-b200/*",
        "checkpoints/trn2-finetune/*",
    ]


def test_training_fleets_carry_the_lustre_client_group_and_the_tier_hook(reference_stacks, fleets):
    for data in [
        r["Properties"]["LaunchTemplateData"] for r in fleets.find_resources("AWS::EC2::LaunchTemplate").values()
    ]:
        tags = {t["Key"]: t["Value"] for t in data["TagSpecifications"][0]["Tags"]}
        groups = data["NetworkInterfaces"][0]["Groups"]
        user_data = user_data_text(data)
        if tags["ultrafleet:role"] == "training":
            assert any("LustreClientGroup" in json.dumps(g) for g in groups)
            assert "# --- hook: checkpoint-tier" in user_data
            assert "LustreFileSystem" in user_data and "LustreMountName" in user_data
        else:
            assert not any("LustreClientGroup" in json.dumps(g) for g in groups)
            assert "checkpoint-tier" not in user_data


def test_disposable_lustre_is_acknowledged_with_its_reason(alternative):
    fs = next(iter(alternative.find_resources("AWS::FSx::FileSystem").values()))
    assert fs["Metadata"]["ultrafleet"]["acknowledged"] == {
        "UF-R007": "storage.lustre.retain_on_delete is false: the spec asks for a disposable one"
    }
