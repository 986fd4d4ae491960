"""Keep a security group's outbound traffic to the rules it was given, even when every rule is a separate resource.

CloudFormation's AWS::EC2::SecurityGroup reference: "When you create a security group, if you do not add egress
rules, we add egress rules that allow all outbound IPv4 and IPv6 traffic." Only rules inside the group's own
``SecurityGroupEgress`` count; a separate ``AWS::EC2::SecurityGroupEgress`` resource leaves that default in place.
The CDK's ``SecurityGroup(allow_all_outbound=False)`` starts with an inline "Disallow all traffic" placeholder
and drops it on the first egress rule, also when that rule becomes a separate resource, as every rule whose peer
is a security group does (the same reference: cross-referencing groups must use the separate resources). A group
whose only egress is to itself or to another group then synthesizes with no ``SecurityGroupEgress`` at all and EC2
lets it send anything anywhere: aws/aws-cdk#38558 and PR #38636 discuss exactly this for EFA's self-referencing
group, and neither the CDK (2.275) nor its context flag ``@aws-cdk/aws-ec2.securityGroupDisableInlineRules`` keeps
the placeholder (with inline rules disabled the placeholder itself becomes a separate resource).

``close_default_egress`` puts the CDK's own placeholder back when the group would otherwise render without inline
egress, so its effective egress is exactly its separate rules.
"""

from __future__ import annotations

import jsii
from aws_cdk import IAspect, Stack
from aws_cdk import aws_ec2 as ec2
from constructs import IConstruct

NO_TRAFFIC = {
    "CidrIp": "255.255.255.255/32",
    "Description": "Disallow all traffic",
    "IpProtocol": "icmp",
    "FromPort": 252,
    "ToPort": 86,
}
"""The CDK's MATCH_NO_TRAFFIC rule (aws-ec2/lib/security-group.ts): no address is 255.255.255.255 and ICMP has no
type 252 code 86, so it matches nothing; its presence alone keeps EC2 from adding the allow-all default."""


@jsii.implements(IAspect)
class _PlaceholderWhenEmpty:
    def visit(self, node: IConstruct) -> None:
        if isinstance(node, ec2.CfnSecurityGroup) and not Stack.of(node).resolve(node.security_group_egress):
            node.add_property_override("SecurityGroupEgress", [NO_TRAFFIC])


def close_default_egress(group: ec2.SecurityGroup) -> ec2.SecurityGroup:
    """Keep ``group`` (made with ``allow_all_outbound=False``) from falling back to EC2's allow-all egress.

    Checked at synthesis, after every rule of every stack exists, so rules added later (e.g. a fleet stack's rule
    from the load balancer to its nodes) are seen.
    """
    from aws_cdk import Aspects

    Aspects.of(group.node.default_child).add(_PlaceholderWhenEmpty())  # type: ignore[arg-type]
    return group
