"""A security group whose rules are all known when it is built, as L1 resources at the paths ``ec2.SecurityGroup``
gives them.

The L2, its ``add_ingress_rule``/``add_egress_rule`` calls and ``close_default_egress``'s aspect (which calls back
into Python at synthesis) cost a dozen jsii round trips per group; a fleet's own groups need none of the L2's rule
bookkeeping (docs/speed.md). The group is ``<id>/Resource`` and each rule sits beside it under the id
aws-ec2/lib/security-group.ts (``addIngressRule``, ``determineRuleScope``) gives it, so logical ids, metadata and
templates are the L2's (tests/test_templates_unchanged.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from aws_cdk import Names
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from ultrafleet.constructs.closed_egress import NO_TRAFFIC


def tcp(port: int) -> tuple[str, dict]:
    """A TCP port as the L2 labels it in rule ids (``Port.toString``) and as rule properties."""
    return str(port), {"ip_protocol": "tcp", "from_port": port, "to_port": port}


ALL_TRAFFIC = ("ALL TRAFFIC", {"ip_protocol": "-1"})
"""Every protocol and port (``Port.allTraffic``)."""


def peer_label(group: Construct) -> str:
    """How the L2 names a group in its rules' ids: its node's unique id (``SecurityGroupBase.uniqueId``)."""
    return Names.unique_id(group)


class FixedSecurityGroup(Construct):
    """``resource`` with exactly ``egress`` (CloudFormation-shaped inline rules, camelCase keys) as its inline
    outbound rules; with none, the CDK's no-traffic placeholder keeps EC2's allow-all default out (closed_egress),
    so its egress is exactly the rules added with ``allow_to``."""

    def __init__(
        self, scope: Construct, construct_id: str, *, vpc_id: str, description: str, egress: Sequence[dict] = ()
    ) -> None:
        super().__init__(scope, construct_id)
        self.resource = ec2.CfnSecurityGroup(
            self, "Resource", group_description=description, vpc_id=vpc_id, security_group_egress=list(egress) or None
        )
        if not egress:
            # An override, in the placeholder's own key order, as close_default_egress writes it.
            self.resource.add_property_override("SecurityGroupEgress", [NO_TRAFFIC])
        self.group_id: str = self.resource.attr_group_id

    @cached_property
    def label(self) -> str:
        """How the L2 names this group in rule ids (``peer_label``)."""
        return peer_label(self)

    def allow_from(self, source_id: str, source_label: str, port: tuple[str, dict], description: str) -> None:
        """Inbound ``port`` from the group ``source_id`` (labelled ``source_label``)."""
        label, rule = port
        ec2.CfnSecurityGroupIngress(
            self,
            f"from {source_label}:{label}",
            group_id=self.group_id,
            source_security_group_id=source_id,
            description=description,
            **rule,
        )

    def allow_to(self, destination_id: str, destination_label: str, port: tuple[str, dict], description: str) -> None:
        """Outbound ``port`` to the group ``destination_id`` (labelled ``destination_label``)."""
        label, rule = port
        ec2.CfnSecurityGroupEgress(
            self,
            f"to {destination_label}:{label}",
            group_id=self.group_id,
            destination_security_group_id=destination_id,
            description=description,
            **rule,
        )

    def allow_remote_egress(self, source_id: str, source_label: str, port: tuple[str, dict], description: str) -> None:
        """The group ``source_id``'s (labelled ``source_label``) outbound ``port`` to this one, kept here beside this
        group's rules (the L2's remote rule: ``add_egress_rule(..., remote_rule=True)``), so it lives and dies with
        this group's stack."""
        label, rule = port
        ec2.CfnSecurityGroupEgress(
            self,
            f"{source_label}:{label} from",
            group_id=source_id,
            destination_security_group_id=self.group_id,
            description=description,
            **rule,
        )
