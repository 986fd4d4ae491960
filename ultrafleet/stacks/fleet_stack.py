"""The fleet stack: every accelerated fleet of the spec, each with its EFA security group."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from ultrafleet.constructs.accelerated_fleet import AcceleratedFleet
from ultrafleet.constructs.efa_security_group import EfaSecurityGroup
from ultrafleet.planning.fleets import ResolvedFleet


class FleetStack(Stack):
    """Compute only: destroying and redeploying it leaves the network and storage stacks untouched."""

    def __init__(
        self, scope: Construct, construct_id: str, *, fleets: list[ResolvedFleet], vpc: ec2.IVpc, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.fleets: dict[str, AcceleratedFleet] = {}
        for fleet in fleets:
            efa_group = None
            if fleet.efa:
                efa_group = EfaSecurityGroup(
                    self,
                    f"{fleet.spec.name}-efa",
                    vpc=vpc,
                    description=f"ultrafleet {fleet.spec.name}: EFA between members",
                )
            self.fleets[fleet.spec.name] = AcceleratedFleet(
                self,
                fleet.spec.name,
                fleet=fleet,
                vpc=vpc,
                efa_security_group=efa_group.security_group if efa_group else None,
            )
