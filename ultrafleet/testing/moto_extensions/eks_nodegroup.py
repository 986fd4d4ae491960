"""AWS::EKS::Nodegroup through CloudFormation (moto 5.2.5 has no model): created through moto's EKS backend, so
describe_nodegroup returns it. moto's create_nodegroup drops NodeRepairConfig (its model keeps one only after an
update), so it is set on the created node group here. As on AWS, the cluster must exist first."""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.eks.models import eks_backends

from ultrafleet.testing.moto_extensions.api_shape import camel_case


class NodegroupModel(CloudFormationModel):
    def __init__(self, cluster_name: str, nodegroup_name: str, arn: str):
        self.cluster_name, self.nodegroup_name, self.arn = cluster_name, nodegroup_name, arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return "NodegroupName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EKS::Nodegroup"

    @property
    def physical_resource_id(self) -> str:
        """Ref of an AWS::EKS::Nodegroup: <cluster name>/<node group name>."""
        return f"{self.cluster_name}/{self.nodegroup_name}"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "ClusterName", "NodegroupName")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return {"Arn": self.arn, "ClusterName": self.cluster_name, "NodegroupName": self.nodegroup_name}[attribute_name]

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
        **kwargs: Any,
    ) -> NodegroupModel:
        p = cloudformation_json["Properties"]
        group = eks_backends[account_id][region_name].create_nodegroup(
            cluster_name=p["ClusterName"],
            node_role=p["NodeRole"],
            nodegroup_name=p.get("NodegroupName", resource_name),
            subnets=p["Subnets"],
            scaling_config=camel_case(p.get("ScalingConfig")),
            instance_types=p.get("InstanceTypes"),
            ami_type=p.get("AmiType"),
            labels=p.get("Labels"),
            taints=camel_case(p.get("Taints")),
            tags=p.get("Tags"),
            launch_template=camel_case(p.get("LaunchTemplate")),
            capacity_type=p.get("CapacityType"),
            version=p.get("Version"),
            release_version=p.get("ReleaseVersion"),
        )
        group.node_repair_config = camel_case(p.get("NodeRepairConfig"))
        return cls(group.cluster_name, group.nodegroup_name, group.arn)


def install() -> None:
    """Defining the class registers it; nothing else to patch."""
