"""specs/eks.yaml and specs/slurm-pcs.yaml: the real CLI's cloud assemblies deployed into moto (with the cluster's
VPC and EKS cluster seeded, as they exist before ultrafleet), then read back through the service APIs."""

from __future__ import annotations

import pytest

from conftest import ROOT
from ultrafleet.spec import load_spec
from ultrafleet.testing.harness import MotoCloud
from ultrafleet.testing.moto_extensions import pcs

SCHEDULER_SPECS = ("eks", "slurm-pcs")


@pytest.fixture(scope="module")
def cloud(cli_assemblies):
    """One moto account holding both: the EKS spec's and the PCS spec's VPCs, the EKS cluster, and both specs'
    stacks (moto's mock is process-wide, so one cloud serves the module)."""
    with MotoCloud() as cloud:
        cloud.deployed = {}
        for stem in SCHEDULER_SPECS:
            spec = load_spec(ROOT / "specs" / f"{stem}.yaml")
            cloud.seed_existing_vpc(spec.network.existing_vpc)
            if spec.scheduler.type == "eks":
                cloud.seed_eks_cluster(spec.scheduler.cluster_name, spec.scheduler.kubernetes_version)
            cloud.deployed |= cloud.deploy_assembly(cli_assemblies[stem])
        yield cloud


@pytest.fixture(scope="module")
def eks_cloud(cloud):
    return cloud


@pytest.fixture(scope="module")
def pcs_cloud(cloud):
    return cloud


def resource_types(cloud, stack):
    rows = cloud.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return {r["ResourceType"] for r in rows}


def launch_template_data(cloud, stack):
    rows = cloud.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]
    (lt,) = [r["PhysicalResourceId"] for r in rows if r["ResourceType"] == "AWS::EC2::LaunchTemplate"]
    versions = cloud.client("ec2").describe_launch_template_versions(LaunchTemplateId=lt)["LaunchTemplateVersions"]
    return lt, versions[0]["LaunchTemplateData"]


def test_every_eks_stack_deployed_with_every_resource(eks_cloud, cli_synth):
    for name, template in cli_synth["eks"].items():
        assert sorted(eks_cloud.deployed[name].resources) == sorted(template["Resources"])


def test_eks_node_groups_as_deployed(eks_cloud):
    client = eks_cloud.client("eks")
    assert sorted(client.list_nodegroups(clusterName="ml-platform")["nodegroups"]) == [
        "mlp-gb200-nvl72",
        "mlp-pretrain-b200",
        "mlp-serve-g7e",
    ]
    gb200 = client.describe_nodegroup(clusterName="ml-platform", nodegroupName="mlp-gb200-nvl72")["nodegroup"]
    assert (gb200["capacityType"], gb200["amiType"], gb200["version"]) == (
        "CAPACITY_BLOCK",
        "AL2023_ARM_64_NVIDIA",
        "1.33",
    )
    assert gb200["scalingConfig"] == {"minSize": 18, "maxSize": 18, "desiredSize": 18}
    assert gb200["subnets"] == ["subnet-0d1d1d1d1d1d1d1d1"]
    assert gb200["labels"] == {
        "ultrafleet.io/fleet": "gb200-nvl72",
        "ultrafleet.io/role": "training",
        "ultrafleet.io/capacity": "capacity-block",
        "ultrafleet.io/efa-count": "16",
        "team": "ml-platform",
    }
    assert gb200["taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]
    assert gb200["nodeRepairConfig"] == {
        "enabled": True,
        "maxUnhealthyNodeThresholdPercentage": 20,
        "maxParallelNodesRepairedCount": 1,
        "nodeRepairConfigOverrides": [
            {
                "nodeMonitoringCondition": "AcceleratedHardwareReady",
                "nodeUnhealthyReason": "NvidiaNVLinkError",
                "repairAction": "Reboot",
                "minRepairWaitTimeMins": 10,
            }
        ],
    }
    lt, _ = launch_template_data(eks_cloud, "mlp-fleet-gb200-nvl72")
    assert gb200["launchTemplate"]["id"] == lt
    serve = client.describe_nodegroup(clusterName="ml-platform", nodegroupName="mlp-serve-g7e")["nodegroup"]
    assert (serve["capacityType"], serve["amiType"]) == ("SPOT", "AL2023_x86_64_NVIDIA")
    assert sorted(serve["subnets"]) == ["subnet-0a1a1a1a1a1a1a1a1", "subnet-0b1b1b1b1b1b1b1b1"]
    assert serve["scalingConfig"] == {"minSize": 1, "maxSize": 4, "desiredSize": 2}
    assert "nodeRepairConfigOverrides" not in serve["nodeRepairConfig"]  # reserved-capacity only


def test_eks_launch_template_keeps_what_eks_allows(eks_cloud):
    _, data = launch_template_data(eks_cloud, "mlp-fleet-pretrain-b200")
    assert "IamInstanceProfile" not in data and "ImageId" not in data
    assert data["InstanceMarketOptions"] == {"MarketType": "capacity-block"}
    assert data["CapacityReservationSpecification"] == {
        "CapacityReservationTarget": {"CapacityReservationId": "cr-0a1b2c3d4e5f60718"}
    }
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["BlockDeviceMappings"][0]["DeviceName"] == "/dev/xvda"
    kinds = [(i["NetworkCardIndex"], i["DeviceIndex"], i["InterfaceType"]) for i in data["NetworkInterfaces"]]
    assert kinds == [(0, 0, "interface"), (0, 1, "efa-only")] + [(c, 0, "efa-only") for c in range(1, 8)]
    assert all("sg-0c1c2c3c4c5c6c7c8" in i["Groups"] for i in data["NetworkInterfaces"])


def test_no_ultrafleet_auto_scaling_group_under_a_scheduler(eks_cloud, pcs_cloud):
    for prefix in ("mlp", "hpc"):
        for fleet in ("pretrain-b200", "gb200-nvl72", "serve-g7e"):
            assert "AWS::AutoScaling::AutoScalingGroup" not in resource_types(eks_cloud, f"{prefix}-fleet-{fleet}")
    assert eks_cloud.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"] == []


def test_existing_vpc_gets_no_vpc_nat_or_subnets(eks_cloud):
    assert resource_types(eks_cloud, "mlp-network") == {
        "AWS::KMS::Key",  # the flow logs' own key: encrypted like a new VPC's flow logs (docs/scanners.md)
        "AWS::Logs::LogGroup",
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::EC2::FlowLog",
    }
    logs = eks_cloud.client("ec2").describe_flow_logs()["FlowLogs"]
    assert sorted(f["ResourceId"] for f in logs) == [  # both specs' subnets, nothing else
        "subnet-0a1a1a1a1a1a1a1a1",
        "subnet-0a2a2a2a2a2a2a2a2",
        "subnet-0b1b1b1b1b1b1b1b1",
        "subnet-0b2b2b2b2b2b2b2b2",
        "subnet-0d1d1d1d1d1d1d1d1",
        "subnet-0d2d2d2d2d2d2d2d2",
    ]
    assert eks_cloud.client("ec2").describe_nat_gateways()["NatGateways"] == []


def test_every_pcs_stack_deployed_with_every_resource(pcs_cloud, cli_synth):
    for name, template in cli_synth["slurm-pcs"].items():
        assert sorted(pcs_cloud.deployed[name].resources) == sorted(template["Resources"])


def test_pcs_node_groups_and_queues_as_deployed(pcs_cloud):
    state = pcs.registry(pcs_cloud.account_id, pcs_cloud.region)
    groups = {g["Name"]: g for g in state["compute_node_groups"].values()}
    assert {n: g["PurchaseOption"] for n, g in groups.items()} == {
        "pretrain-b200": "CAPACITY_BLOCK",
        "gb200-nvl72": "CAPACITY_BLOCK",
        "serve-g7e": "SPOT",
    }
    b200 = groups["pretrain-b200"]
    assert b200["ClusterId"] == "pcs_0abc123def" and b200["AmiId"] == "ami-0123456789abcdef0"
    assert b200["ScalingConfiguration"] == {"MinInstanceCount": 4, "MaxInstanceCount": 4}
    assert b200["SubnetIds"] == ["subnet-0a2a2a2a2a2a2a2a2"]
    assert b200["InstanceConfigs"] == [{"InstanceType": "p6-b200.48xlarge"}]
    lt, data = launch_template_data(pcs_cloud, "hpc-fleet-pretrain-b200")
    assert b200["CustomLaunchTemplate"]["TemplateId"] == lt
    assert "IamInstanceProfile" not in data and "ImageId" not in data
    profile_name = b200["IamInstanceProfileArn"].rsplit("/", 1)[1]
    role = pcs_cloud.client("iam").get_instance_profile(InstanceProfileName=profile_name)["InstanceProfile"]["Roles"][0]
    assert role["Path"] == "/aws-pcs/"
    queues = {q["Name"]: q for q in state["queues"].values()}
    assert sorted(queues) == ["nvl72", "pretrain", "serve"]
    assert queues["pretrain"]["ComputeNodeGroupConfigurations"] == [{"ComputeNodeGroupId": b200["Id"]}]


def test_a_node_group_needs_its_cluster_as_on_aws(cloud):
    """The EKS extension creates node groups through moto's EKS backend: no cluster, no node group."""
    from botocore.parsers import ResponseParserError

    template = {
        "Resources": {
            "Group": {
                "Type": "AWS::EKS::Nodegroup",
                "Properties": {
                    "ClusterName": "absent",
                    "NodeRole": "arn:aws:iam::123456789012:role/node",
                    "Subnets": ["subnet-0a1a1a1a1a1a1a1a1"],
                },
            }
        }
    }
    # moto answers CreateStack with EKS's own error body (not CloudFormation's XML): loud, if not pretty
    with pytest.raises(ResponseParserError, match="No cluster found for name: absent"):
        cloud.deploy("no-cluster", template)
