"""Security group egress through CloudFormation, on moto's own egress rules: moto 5.2.5 models only
AWS::EC2::SecurityGroupIngress, and its AWS::EC2::SecurityGroup ignores the inline ``SecurityGroupEgress``.

As CloudFormation's AWS::EC2::SecurityGroup reference says, a group created with inline egress rules gets those
and not EC2's allow-all default; one created without keeps the default (moto adds it to every VPC group). So a
group that forgets its inline egress shows 0.0.0.0/0 here too, as it would in AWS.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends
from moto.ec2.models.security_groups import SecurityGroup

_original_create = SecurityGroup.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


class SecurityGroupEgressModel(CloudFormationModel):
    def __init__(self, group_id: str, properties: dict[str, Any]):
        self.group_id, self.properties = group_id, properties

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::SecurityGroupEgress"

    @property
    def physical_resource_id(self) -> str:
        return f"{self.group_id}-egress"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
        **kwargs: Any,
    ) -> SecurityGroupEgressModel:
        props = cloudformation_json["Properties"]
        group_id = props["GroupId"]
        _authorize(ec2_backends[account_id][region_name], group_id, props)
        return cls(group_id, props)


def _authorize(backend: Any, group_id: str, rule: dict[str, Any]) -> None:
    destination = rule.get("DestinationSecurityGroupId")
    backend.authorize_security_group_egress(
        group_name_or_id=group_id,
        ip_protocol=str(rule["IpProtocol"]),
        from_port=rule.get("FromPort"),
        to_port=rule.get("ToPort"),
        ip_ranges=[{"CidrIp": rule["CidrIp"], "Description": rule.get("Description")}] if rule.get("CidrIp") else [],
        source_groups=[{"GroupId": destination}] if destination else [],
    )


def _create_group(
    cls: type[SecurityGroup],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> SecurityGroup:
    group = _original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    inline = cloudformation_json.get("Properties", {}).get("SecurityGroupEgress", [])
    if inline:
        group.egress_rules.clear()  # EC2 adds its default only to a group created without egress rules
        for rule in inline:
            _authorize(ec2_backends[account_id][region_name], group.id, rule)
    return group


def install() -> None:
    """The egress resource registers by being defined; the group's inline egress needs the wrapper."""
    SecurityGroup.create_from_cloudformation_json = classmethod(_create_group)  # type: ignore[method-assign,assignment]
