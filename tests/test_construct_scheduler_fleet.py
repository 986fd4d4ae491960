"""SchedulerFleet alone in a bare Stack: an EKS and a PCS node group on the shared node steps, and its guards."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template
from fleet_construct_base import RESERVATION, FleetBase

from ultrafleet.constructs.scheduler_fleet import EksNodeGroup, PcsNodeGroup, SchedulerFleet, SchedulerFleetProps

EKS = EksNodeGroup(
    cluster_name="ml",
    kubernetes_version="1.33",
    capacity_type="ON_DEMAND",
    ami_type="AL2023_x86_64_NVIDIA",
    labels={"ultrafleet.io/fleet": "train"},
    taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
    repair_config={"Enabled": True, "MaxUnhealthyNodeThresholdPercentage": 20},
    topology_labels=True,
)
PCS = PcsNodeGroup(cluster_id="pcs_abc123", ami_id="ami-0123456789abcdef0", purchase_option="ONDEMAND", queue_name="q")
_ids = itertools.count()


class Base(FleetBase):
    def __init__(self) -> None:
        super().__init__("Sched")
        self.cluster = ec2.SecurityGroup.from_security_group_id(self.stack, "Cluster", "sg-0123456789abcdef0")

    def build(self, **changes) -> SchedulerFleet:
        props = SchedulerFleetProps(
            **self.node_fields(),
            root_volume_gib=200,
            cluster_security_group=self.cluster,
            group_name="demo-train",
            desired_size=2,
            min_size=1,
            max_size=4,
            root_device="/dev/xvda",
            eks=EKS,
        )
        return SchedulerFleet(self.stack, f"Fleet{next(_ids)}", props=replace(props, **changes))


@pytest.fixture(scope="module")
def both() -> Template:
    """One EKS and one PCS fleet in one stack: one synth for both."""
    base = Base()
    base.build()
    base.build(fleet_name="hpc", eks=None, pcs=PCS, group_name="demo-hpc", root_device="/dev/sda1")
    return Template.from_stack(base.stack)


def launch_template_of(template: Template, name: str) -> dict:
    (found,) = [
        lt["Properties"]["LaunchTemplateData"]
        for lt in template.find_resources("AWS::EC2::LaunchTemplate").values()
        if {"Key": "ultrafleet:fleet", "Value": name}
        in lt["Properties"]["LaunchTemplateData"]["TagSpecifications"][0]["Tags"]
    ]
    return found


def test_the_eks_node_group_takes_its_settings_and_sizes(both):
    both.has_resource_properties(
        "AWS::EKS::Nodegroup",
        {
            "ClusterName": "ml",
            "NodegroupName": "demo-train",
            "AmiType": "AL2023_x86_64_NVIDIA",
            "Version": "1.33",
            "ScalingConfig": {"MinSize": 1, "MaxSize": 4, "DesiredSize": 2},
            "Labels": {"ultrafleet.io/fleet": "train"},
            "Taints": [{"Key": "nvidia.com/gpu", "Value": "true", "Effect": "NO_SCHEDULE"}],
            "NodeRepairConfig": {"Enabled": True, "MaxUnhealthyNodeThresholdPercentage": 20},
        },
    )


def test_the_scheduler_templates_have_no_profile_nor_image_but_carry_placement_and_reservation(both):
    data = launch_template_of(both, "train")
    assert "IamInstanceProfile" not in data and "ImageId" not in data
    assert data["Placement"]["GroupName"] and data["BlockDeviceMappings"][0]["DeviceName"] == "/dev/xvda"
    assert data["CapacityReservationSpecification"] == {
        "CapacityReservationTarget": {"CapacityReservationId": RESERVATION}
    }
    assert "sg-0123456789abcdef0" in data["NetworkInterfaces"][0]["Groups"]
    assert data["UserData"]["Fn::Base64"].startswith("MIME-Version: 1.0")


def test_topology_labels_grant_only_describe_instance_topology(both):
    both.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [Match.object_like({"Action": "ec2:DescribeInstanceTopology", "Resource": "*"})]
            }
        },
    )


def test_the_pcs_node_group_registers_through_a_pcs_role_and_gets_its_queue(both):
    both.has_resource_properties(
        "AWS::PCS::ComputeNodeGroup",
        {
            "ClusterId": "pcs_abc123",
            "Name": "hpc",
            "AmiId": "ami-0123456789abcdef0",
            "ScalingConfiguration": {"MinInstanceCount": 1, "MaxInstanceCount": 4},
            "PurchaseOption": "ONDEMAND",
        },
    )
    both.has_resource_properties("AWS::PCS::Queue", {"ClusterId": "pcs_abc123", "Name": "q"})
    both.has_resource_properties("AWS::IAM::Role", {"Path": "/aws-pcs/"})
    assert launch_template_of(both, "hpc")["BlockDeviceMappings"][0]["DeviceName"] == "/dev/sda1"


@pytest.fixture(scope="module")
def base() -> Base:
    return Base()


@pytest.mark.parametrize(("desired", "low", "high"), [(1, 1, 4), (4, 1, 4)])
def test_a_desired_size_at_either_bound_is_taken(base, desired, low, high):
    fleet = base.build(desired_size=desired, min_size=low, max_size=high)
    assert fleet.node_group.scaling_config.desired_size == desired


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"desired_size": 0}, "desired_size: 0 is outside min_size 1 to max_size 4"),
        ({"desired_size": 5}, "desired_size: 5 is outside min_size 1 to max_size 4"),
        ({"eks": None}, "eks, pcs: give exactly one (the scheduler that owns the node group)"),
        ({"pcs": PCS}, "eks, pcs: give exactly one (the scheduler that owns the node group)"),
        ({"efa_security_group": None}, "efa_security_group: required for fleet train, whose layout has EFA interfaces"),
    ],
)
def test_contradicting_props_are_refused(base, changes, message):
    with pytest.raises(ValueError) as raised:
        base.build(**changes)
    assert str(raised.value) == message
