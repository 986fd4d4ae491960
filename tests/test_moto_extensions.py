"""Guard tests: each moto extension exists because moto 5.2.5 lacks something. These fail the day moto changes
underneath them (fixed upstream, or internals moved), so the extension is revisited instead of silently wrong."""

from __future__ import annotations

import inspect
import json
from importlib.metadata import version

import boto3
import pytest
from moto import mock_aws
from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel
from moto.ec2.responses import EC2Response
from moto.fsx.responses import FSxResponse
from moto.ssm.models import ParameterDict, ssm_backends

from ultrafleet.testing.harness import DeployError
from ultrafleet.testing.moto_extensions import (
    autoscaling,
    fsx,
    iam_role,
    install,
    kms,
    s3_bucket,
    security_group_egress,
    zones,
)

ADDED_TYPES = {
    "AWS::EC2::PlacementGroup",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::S3::BucketPolicy",
    "AWS::FSx::FileSystem",
    "AWS::FSx::DataRepositoryAssociation",
    "AWS::SNS::TopicPolicy",
    "AWS::AutoScaling::ScalingPolicy",
    "AWS::CloudWatch::Alarm",
    "AWS::CodeBuild::Project",
    "AWS::CodePipeline::Pipeline",
    "AWS::S3Express::DirectoryBucket",
    "AWS::AutoScaling::WarmPool",
    "AWS::EKS::Nodegroup",
    "AWS::PCS::ComputeNodeGroup",
    "AWS::PCS::Queue",
}


def test_moto_is_the_pinned_version():
    assert version("moto") == "5.2.5"


def test_moto_has_no_model_of_its_own_for_the_added_types():
    install()
    ours = {
        m.cloudformation_type(): m
        for m in CloudFormationModel.__subclasses__()
        if m.__module__.startswith("ultrafleet.")
    }
    assert set(ours) == ADDED_TYPES
    theirs = {
        m.cloudformation_type()
        for m in CloudFormationModel.__subclasses__()
        if not m.__module__.startswith("ultrafleet.")
    }
    assert not ADDED_TYPES & theirs
    assert all(parsing.get_model_map()[t] is ours[t] for t in ADDED_TYPES)  # caches were cleared


def test_ec2_and_fsx_still_lack_the_added_actions():
    for name in ("create_placement_group", "describe_placement_groups", "delete_placement_group"):
        natives = [c for c in EC2Response.__mro__[1:] if name in vars(c)]
        assert natives == [], name
    assert not [c for c in FSxResponse.__mro__[1:] if "describe_data_repository_associations" in vars(c)]


@pytest.mark.parametrize(
    ("module", "dropped"),
    [
        (autoscaling, "placement_group=None"),
        (iam_role, 'properties.get("Policies", [])'),
        (s3_bucket, 'if "Tags" in properties:'),
    ],
)
def test_wrapped_moto_models_still_drop_what_the_extension_adds(module, dropped):
    source = inspect.getsource(module._original_create)
    assert dropped in source
    assert "VersioningConfiguration" not in source and "ManagedPolicyArns" not in source
    assert "CapacityReservationSpecification" not in source


def test_moto_security_group_model_still_ignores_inline_egress():
    source = inspect.getsource(security_group_egress._original_create)
    assert 'properties.get("SecurityGroupIngress", [])' in source
    assert "SecurityGroupEgress" not in source


def test_elbv2_target_group_still_lacks_getatt():
    from moto.elbv2.models import FakeTargetGroup

    assert "get_cfn_attribute" not in vars(FakeTargetGroup) or FakeTargetGroup.get_cfn_attribute.__module__.startswith(
        "ultrafleet."
    )
    assert not [
        c for c in FakeTargetGroup.__mro__[1:] if "get_cfn_attribute" in vars(c) and c.__name__ != "CloudFormationModel"
    ]


def test_kms_key_model_still_reads_api_style_tags():
    assert 'properties.get("Tags", [])' in inspect.getsource(kms._original_create)


def test_s3_lifecycle_response_still_omits_newer_noncurrent_versions():
    source = inspect.getsource(s3_bucket._original_get_lifecycle)
    assert '"NoncurrentDays": rule.nve_noncurrent_days' in source
    assert source.count("NewerNoncurrentVersions") == 1  # only for noncurrent transitions


def test_moto_zone_table_still_lacks_the_dallas_local_zone():
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend

    install()
    local = [z.name for z in RegionsAndZonesBackend.zones["us-east-1"] if z.zone_type == "local-zone"]
    assert local == [name for name, _ in zones.LOCAL_ZONES["us-east-1"]]


def test_ssm_public_parameters_still_live_in_a_parameter_dict():
    with mock_aws():
        boto3.client("ssm", "us-east-1").describe_parameters()
        assert isinstance(ssm_backends["123456789012"]["us-east-1"]._parameters, ParameterDict)


def test_fsx_associations_live_on_the_fsx_backend_and_reset_with_it():
    with mock_aws():
        fsx.associations("123456789012", "us-east-1")["dra-1"] = {}
    with mock_aws():
        assert fsx.associations("123456789012", "us-east-1") == {}


@pytest.mark.filterwarnings("ignore:Tried to parse AWS.+CapacityReservation")
def test_unsupported_types_fail_the_deploy_loudly(moto_cloud):
    template = {
        "Resources": {
            "Reservation": {
                "Type": "AWS::EC2::CapacityReservation",
                "Properties": {
                    "InstanceType": "p5.48xlarge",
                    "InstancePlatform": "Linux/UNIX",
                    "AvailabilityZone": "us-east-1a",
                    "InstanceCount": 2,
                },
            },
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
        }
    }
    with pytest.raises(DeployError) as failure:
        moto_cloud.deploy("skips", template)
    message = str(failure.value)
    assert "Tried to parse AWS::EC2::CapacityReservation but it's not supported" in message
    assert "not created: Reservation (AWS::EC2::CapacityReservation)" in message


def test_placement_groups_through_the_ec2_api(moto_cloud):
    ec2 = moto_cloud.client("ec2")
    ec2.create_placement_group(GroupName="team-uc", Strategy="partition", PartitionCount=3)
    (group,) = ec2.describe_placement_groups(GroupNames=["team-uc"])["PlacementGroups"]
    assert (group["GroupName"], group["Strategy"], group["PartitionCount"]) == ("team-uc", "partition", 3)
    ec2.delete_placement_group(GroupName="team-uc")
    assert ec2.describe_placement_groups()["PlacementGroups"] == []


def test_every_extension_module_is_installed():
    from pathlib import Path

    from ultrafleet.testing import moto_extensions

    folder = Path(moto_extensions.__file__).parent
    modules = {p.stem for p in folder.glob("*.py")} - {"__init__", "api_shape"}  # api_shape: a helper
    assert modules == set(moto_extensions.EXTENSIONS)
    assert all(callable(m.install) for m in moto_extensions.MODULES)


def warm_pool_template(*, mixed: bool) -> dict:
    """A launch template, an Auto Scaling group (Spot through a mixed instances policy when ``mixed``) and a warm
    pool on the group."""
    spec = {"LaunchTemplateId": {"Ref": "Template"}, "Version": {"Fn::GetAtt": ["Template", "LatestVersionNumber"]}}
    purchase = (
        {
            "MixedInstancesPolicy": {
                "LaunchTemplate": {"LaunchTemplateSpecification": spec},
                "InstancesDistribution": {"OnDemandPercentageAboveBaseCapacity": 0},
            }
        }
        if mixed
        else {"LaunchTemplate": spec}
    )
    return {
        "Resources": {
            "Template": {
                "Type": "AWS::EC2::LaunchTemplate",
                "Properties": {"LaunchTemplateData": {"InstanceType": "g6e.xlarge", "ImageId": "ami-12c6146b"}},
            },
            "Group": {
                "Type": "AWS::AutoScaling::AutoScalingGroup",
                "Properties": {"MinSize": "1", "MaxSize": "2", "AvailabilityZones": ["us-east-1a"], **purchase},
            },
            "Pool": {
                "Type": "AWS::AutoScaling::WarmPool",
                "Properties": {"AutoScalingGroupName": {"Ref": "Group"}, "MinSize": 2, "PoolState": "Stopped"},
            },
        }
    }


@pytest.fixture(scope="module")
def shared_cloud():
    """One moto account for the tests below (their stack names differ): starting moto costs seconds."""
    from ultrafleet.testing.harness import MotoCloud

    with MotoCloud() as cloud:
        yield cloud


def test_warm_pool_is_put_through_the_auto_scaling_api(shared_cloud):
    moto_cloud = shared_cloud
    deployed = moto_cloud.deploy("pool", warm_pool_template(mixed=False))
    pool = moto_cloud.client("autoscaling").describe_warm_pool(AutoScalingGroupName=deployed.resources["Group"])
    assert (pool["WarmPoolConfiguration"]["MinSize"], pool["WarmPoolConfiguration"]["PoolState"]) == (2, "Stopped")


def test_warm_pool_on_a_spot_group_fails_the_deploy_as_on_aws(shared_cloud):
    moto_cloud = shared_cloud
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as failure:  # moto creates stacks synchronously: CreateStack itself fails
        moto_cloud.deploy("spot-pool", warm_pool_template(mixed=True))
    assert failure.value.response["Error"]["Code"] == "ValidationError"
    assert "warm pool to an Auto Scaling group that has a mixed instances policy" in str(failure.value)


def test_moto_still_reads_previous_values_only_from_explicit_parameters():
    from moto.cloudformation.models import CloudFormationBackend

    from ultrafleet.testing.moto_extensions import update_parameters

    source = inspect.getsource(update_parameters._original_resolve)
    assert 'instance.parameters[parameter["ParameterKey"]]' in source
    assert CloudFormationBackend._resolve_update_parameters is update_parameters._resolve_update_parameters


def test_update_with_use_previous_value_of_a_defaulted_parameter(shared_cloud):
    """What `cdk deploy` sends on a redeploy: BootstrapVersion with UsePreviousValue, never passed at create."""
    moto_cloud = shared_cloud
    template = {
        "Parameters": {"BootstrapVersion": {"Type": "String", "Default": "30"}},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "before"}}},
        "Outputs": {"Version": {"Value": {"Ref": "BootstrapVersion"}}},
    }
    moto_cloud.deploy("redeploy", template)
    template["Resources"]["Topic"]["Properties"]["TopicName"] = "after"
    cfn = moto_cloud.client("cloudformation")
    cfn.update_stack(
        StackName="redeploy",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "BootstrapVersion", "UsePreviousValue": True}],
    )
    (stack,) = cfn.describe_stacks(StackName="redeploy")["Stacks"]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert stack["Outputs"] == [{"OutputKey": "Version", "OutputValue": "30"}]
    topics = [t["TopicArn"] for t in moto_cloud.client("sns").list_topics()["Topics"]]
    assert [t.rsplit(":", 1)[1] for t in topics] == ["after"]


def test_moto_eks_still_drops_node_repair_config_on_create_and_has_no_pcs():
    import importlib.util

    from moto.eks.models import EKSBackend

    assert "node_repair_config" not in inspect.signature(EKSBackend.create_nodegroup).parameters
    assert importlib.util.find_spec("moto.pcs") is None
