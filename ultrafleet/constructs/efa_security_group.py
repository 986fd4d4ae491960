"""A security group that lets its members exchange all traffic, both directions, as EFA requires.

AWS EC2 User Guide, "Prepare an EFA-enabled security group" (efa-start.html): the group must allow all inbound
and all outbound traffic to and from itself; without the outbound rule NCCL hangs. Both rules are separate
resources (a group cannot name itself inline), so ``close_default_egress`` keeps EC2 from adding its allow-all
egress next to them: the group's members reach each other and nothing else through it.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from ultrafleet.constructs import shared_values
from ultrafleet.constructs.closed_egress import close_default_egress


@dataclass(frozen=True, kw_only=True)
class EfaSecurityGroupProps:
    vpc: ec2.IVpc
    """The VPC the fleets run in."""
    description: str = "EFA: all traffic between members"
    """default: "EFA: all traffic between members"."""


class EfaSecurityGroup(Construct):
    """Self-referencing all-traffic rules, and nothing else; put ``security_group`` on every interface of the fleets
    that talk."""

    def __init__(self, scope: Construct, construct_id: str, *, props: EfaSecurityGroupProps) -> None:
        super().__init__(scope, construct_id)
        vpc, description = props.vpc, props.description
        self.security_group = close_default_egress(
            ec2.SecurityGroup(self, "Group", vpc=vpc, description=description, allow_all_outbound=False)
        )
        self.security_group.add_ingress_rule(self.security_group, shared_values.all_traffic(), "EFA in from members")
        self.security_group.add_egress_rule(self.security_group, shared_values.all_traffic(), "EFA out to members")
