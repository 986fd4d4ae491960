"""AWS::EC2::SecurityGroupEgress through CloudFormation, on moto's own egress rules (moto models only Ingress)."""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends


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
        backend = ec2_backends[account_id][region_name]
        group_id = props["GroupId"]
        destination = props.get("DestinationSecurityGroupId")
        ip_ranges = (
            [{"CidrIp": props["CidrIp"], "Description": props.get("Description")}] if props.get("CidrIp") else []
        )
        backend.authorize_security_group_egress(
            group_name_or_id=group_id,
            ip_protocol=str(props["IpProtocol"]),
            from_port=props.get("FromPort"),
            to_port=props.get("ToPort"),
            ip_ranges=ip_ranges,
            source_groups=[{"GroupId": destination}] if destination else [],
        )
        return cls(group_id, props)


def install() -> None:
    """Defining the class registers it; nothing else to patch."""
