"""What the fleet construct tests share: a bare stack with a one-zone VPC whose private subnets form the
"compute" group, an EFA security group, and the props values both fleets take."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2

from ultrafleet.constructs.fleet_nodes import Accelerator, FleetRole, Purchase
from ultrafleet.constructs.ultracluster_placement import PlacementProps
from ultrafleet.planning.efa_layout import Interface
from ultrafleet.planning.node_lifecycle import GateExpectations

LAYOUT = (Interface(card=0, device=0, kind="interface"), Interface(card=1, device=0, kind="efa-only"))
GATE = GateExpectations(gpus=8, neuron_devices=0, efa_devices=1, fabric_manager=True)
RESERVATION = "cr-0123456789abcdef0"


class FleetBase:
    def __init__(self, stack_id: str) -> None:
        self.stack = cdk.Stack(cdk.App(), stack_id, env=cdk.Environment(account="111122223333", region="us-east-1"))
        self.vpc = ec2.Vpc(
            self.stack,
            "Vpc",
            availability_zones=["us-east-1a"],
            nat_gateways=0,
            subnet_configuration=[ec2.SubnetConfiguration(name="compute", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
        )
        self.efa = ec2.SecurityGroup(self.stack, "Efa", vpc=self.vpc)

    def node_fields(self) -> dict:
        """The NodeProps both fleets share: a reserved p5 training fleet in this stack's one zone."""
        return {
            "fleet_name": "train",
            "role": FleetRole.TRAINING,
            "instance_type": "p5.48xlarge",
            "accelerator": Accelerator.GPU,
            "layout": LAYOUT,
            "gate": GATE,
            "vpc": self.vpc,
            "availability_zones": ["us-east-1a"],
            "subnet_group_name": "compute",
            "efa_security_group": self.efa,
            "placement": PlacementProps(),
            "purchase": Purchase.CAPACITY_RESERVATION,
            "reservation_id": RESERVATION,
        }
