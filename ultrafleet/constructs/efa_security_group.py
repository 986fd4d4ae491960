"""A security group that lets its members exchange all traffic, both directions, as EFA requires.

AWS EC2 User Guide, "Prepare an EFA-enabled security group" (efa-start.html): the group must allow all inbound
and all outbound traffic to and from itself; without the outbound rule NCCL hangs. Both rules are separate
resources (a group cannot name itself inline), so the CDK's no-traffic placeholder keeps EC2 from adding its
allow-all egress next to them (closed_egress): the group's members reach each other and nothing else through it.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from ultrafleet.constructs import shared_values
from ultrafleet.constructs.plain_security_group import ALL_TRAFFIC, FixedSecurityGroup


@dataclass(frozen=True, kw_only=True)
class EfaSecurityGroupProps:
    vpc: ec2.IVpc
    """The VPC the fleets run in."""
    description: str = "EFA: all traffic between members"
    """default: "EFA: all traffic between members"."""


class EfaSecurityGroup(Construct):
    """Self-referencing all-traffic rules, and nothing else; put ``security_group`` on every interface of the fleets
    that talk. Its rules are final: ``security_group`` is the group imported, immutable (add rules to the fleets'
    own groups instead)."""

    def __init__(self, scope: Construct, construct_id: str, *, props: EfaSecurityGroupProps) -> None:
        super().__init__(scope, construct_id)
        group = FixedSecurityGroup(self, "Group", vpc_id=shared_values.vpc_id(props.vpc), description=props.description)
        group.allow_from(group.group_id, group.label, ALL_TRAFFIC, "EFA in from members")
        group.allow_to(group.group_id, group.label, ALL_TRAFFIC, "EFA out to members")
        self.security_group = ec2.SecurityGroup.from_security_group_id(self, "Members", group.group_id, mutable=False)
