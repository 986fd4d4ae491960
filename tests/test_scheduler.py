"""Scheduler fleets built in-process (one small EKS spec shared by the module) for what the shipped specs do not
show, and the scheduler and existing-VPC validation rules (no CDK)."""

from __future__ import annotations

from copy import deepcopy

import pytest
from aws_cdk.assertions import Template

from conftest import build_stacks, spec_dict
from ultrafleet.planning.fleets import resolve_all
from ultrafleet.planning.scheduler import required_components
from ultrafleet.spec import parse_spec
from ultrafleet.validation import validate

VPC = {
    "s3_gateway_endpoint": False,
    "existing_vpc": {
        "vpc_id": "vpc-0e1d2c3b4a5968770",
        "cidr": "10.80.0.0/16",
        "subnet_ids_by_zone": {"us-east-1a": ["subnet-0a1a1a1a1a1a1a1a1"], "us-east-1b": ["subnet-0b1b1b1b1b1b1b1b1"]},
        "subnets": {
            "subnet-0a1a1a1a1a1a1a1a1": {"availability_zone": "us-east-1a", "free_addresses": 4000},
            "subnet-0b1b1b1b1b1b1b1b1": {"availability_zone": "us-east-1b", "free_addresses": 4000},
        },
    },
}
EKS = {
    "type": "eks",
    "cluster_name": "ml-platform",
    "kubernetes_version": "1.33",
    "cluster_security_group_id": "sg-0c1c2c3c4c5c6c7c8",
}
FLEETS = [
    {
        "name": "trn",
        "role": "training",
        "instance_type": "trn1.32xlarge",
        "count": 2,
        "availability_zones": ["us-east-1b"],
        "capacity": {"type": "capacity-reservation", "reservation_id": "cr-0123456789abcdef0"},
    },
    {"name": "g6e-own", "role": "training", "instance_type": "g6e.xlarge", "count": 1, "scheduler": "none"},
    {"name": "g6e", "role": "inference", "instance_type": "g6e.xlarge", "count": 2},
]


def eks_spec(**overrides):
    return deepcopy(spec_dict(network=VPC, scheduler=EKS, fleets=FLEETS, **overrides))


@pytest.fixture(scope="module")
def stacks():
    return build_stacks(eks_spec())


def resources(stack, kind):
    return [r for r in Template.from_stack(stack).to_json()["Resources"].values() if r["Type"] == kind]


def test_reservation_and_placement_move_into_the_launch_template(stacks):
    (lt,) = resources(stacks.fleets["trn"], "AWS::EC2::LaunchTemplate")
    data = lt["Properties"]["LaunchTemplateData"]
    assert data["CapacityReservationSpecification"] == {
        "CapacityReservationTarget": {"CapacityReservationId": "cr-0123456789abcdef0"}
    }
    assert "InstanceMarketOptions" not in data
    (placement,) = _ids(stacks.fleets["trn"], "AWS::EC2::PlacementGroup")
    assert data["Placement"] == {"GroupName": {"Fn::GetAtt": [placement, "GroupName"]}}
    (group,) = resources(stacks.fleets["trn"], "AWS::EKS::Nodegroup")
    assert group["Properties"]["CapacityType"] == "ON_DEMAND"
    assert group["Properties"]["AmiType"] == "AL2023_x86_64_NEURON"
    assert group["Properties"]["Taints"] == [{"Key": "aws.amazon.com/neuron", "Value": "true", "Effect": "NO_SCHEDULE"}]


def _ids(stack, kind):
    return [k for k, r in Template.from_stack(stack).to_json()["Resources"].items() if r["Type"] == kind]


def test_a_fleet_with_scheduler_none_keeps_its_own_auto_scaling_group(stacks):
    assert len(resources(stacks.fleets["g6e-own"], "AWS::AutoScaling::AutoScalingGroup")) == 1
    assert resources(stacks.fleets["g6e-own"], "AWS::EKS::Nodegroup") == []
    assert resources(stacks.fleets["trn"], "AWS::AutoScaling::AutoScalingGroup") == []


def test_scheduled_inference_fleets_get_no_load_balancer(stacks):
    assert stacks.inference is None
    (group,) = resources(stacks.fleets["g6e"], "AWS::EKS::Nodegroup")
    assert group["Properties"]["Subnets"] == ["subnet-0a1a1a1a1a1a1a1a1"]


def test_eks_node_role_has_the_node_policies_and_no_topology_grant_without_boot_labels(stacks):
    (role,) = resources(stacks.fleets["trn"], "AWS::IAM::Role")
    arns = role["Properties"]["ManagedPolicyArns"]
    names = sorted(p["Fn::Join"][1][-1].rsplit("/", 1)[1] for p in arns if "Fn::Join" in p)  # AWS-managed ones
    assert names == [
        "AmazonEC2ContainerRegistryPullOnly",
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
        "AmazonSSMManagedInstanceCore",
        "CloudWatchAgentServerPolicy",
    ]
    policies = resources(stacks.fleets["trn"], "AWS::IAM::Policy")
    assert "ec2:DescribeInstanceTopology" not in str(policies)


def codes(data) -> list[tuple[str, str]]:
    return [(f.code, f.path) for f in validate(parse_spec(data)) if f.level.value == "error"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("network"), [("UF-SCHED-010", "network.existing_vpc")]),
        (
            lambda d: d["network"].update(s3_gateway_endpoint=True),
            [("UF-NET-016", "network.s3_gateway_endpoint")],
        ),
        (
            lambda d: d["network"]["existing_vpc"]["subnets"].pop("subnet-0b1b1b1b1b1b1b1b1"),
            [("UF-NET-011", "network.existing_vpc.subnets")],
        ),
        (
            lambda d: d["network"]["existing_vpc"]["subnet_ids_by_zone"].update({"us-east-1c": []}),
            [
                ("UF-NET-015", "network.existing_vpc.subnet_ids_by_zone"),
                ("UF-NET-010", "network.existing_vpc.subnet_ids_by_zone.us-east-1c"),
            ],
        ),
        (
            lambda d: (
                d.update(availability_zones=["us-east-1a", "us-east-1b", "us-east-1c"])
                or d["fleets"][0].update(availability_zones=["us-east-1c"])
            ),
            [("UF-NET-014", "fleets[0].availability_zones")],
        ),
        (
            lambda d: d["fleets"][2].update(inference={"spot_percent": 50}),
            [("UF-SCHED-008", "fleets[2].inference.spot_percent")],
        ),
        (
            lambda d: d["scheduler"].update(repair={"max_parallel": 0, "overrides": [_override(0)]}),
            [
                ("UF-SCHED-004", "scheduler.repair.max_parallel"),
                ("UF-SCHED-005", "scheduler.repair.overrides[0].wait_minutes"),
            ],
        ),
        (
            lambda d: (
                d["fleets"].append(
                    {
                        "name": "nvl",
                        "role": "training",
                        "ultraserver_type": "u-p6e-gb200x72",
                        "availability_zones": ["us-east-1a"],
                        "capacity": {"type": "capacity-block", "reservation_id": "cr-0f1e2d3c4b5a69788"},
                    }
                )
                or d["scheduler"].update(kubernetes_version="1.32")
            ),
            [("UF-SCHED-007", "scheduler.kubernetes_version")],
        ),
    ],
    ids=["no-vpc", "gateway", "no-facts", "uneven", "zone", "asg-setting", "repair", "gb200-version"],
)
def test_bad_scheduler_input_names_field_and_code(change, expected):
    data = eks_spec()
    change(data)
    assert codes(data) == expected


def _override(wait):
    return {
        "condition": "AcceleratedHardwareReady",
        "reason": "NvidiaXID79Error",
        "action": "Reboot",
        "wait_minutes": wait,
    }


def pcs_spec(**scheduler):
    pcs = {
        "type": "slurm-pcs",
        "cluster_id": "pcs_0abc123def",
        "cluster_security_group_id": "sg-0d1d2d3d4d5d6d7d8",
        "ami_id": "ami-0123456789abcdef0",
        **scheduler,
    }
    return deepcopy(spec_dict(network=VPC, scheduler=pcs, fleets=FLEETS))


def test_pcs_queues_must_name_scheduled_fleets_and_cover_them():
    data = pcs_spec(queues={"train": ["trn", "g6e-own"]})
    assert codes(data) == [("UF-SCHED-020", "scheduler.queues.train"), ("UF-SCHED-021", "fleets[2].name")]
    assert codes(pcs_spec(queues={"train": ["trn"], "serve": ["g6e"]})) == []


def test_required_components_follow_the_fleets():
    spec = parse_spec(eks_spec())
    names = [c.name.split(" (")[0] for c in required_components(spec, resolve_all(spec))]
    assert names == [
        "EKS node monitoring agent",
        "NVIDIA device plugin, or the NVIDIA GPU Operator with driver and toolkit disabled",
        "EFA Kubernetes device plugin",
        "Neuron device plugin",
    ]


def test_an_environment_can_point_at_another_cluster():
    data = eks_spec(environments={"dev": {"scheduler": {"cluster_name": "dev-platform"}}})
    dev = parse_spec(data, "dev")
    assert (dev.scheduler.cluster_name, dev.scheduler.kubernetes_version) == ("dev-platform", "1.33")
    assert parse_spec(data).scheduler.cluster_name == "ml-platform"
