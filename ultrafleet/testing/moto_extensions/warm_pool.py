"""AWS::AutoScaling::WarmPool through CloudFormation: moto 5.2.5 has PutWarmPool in its Auto Scaling API but no
CloudFormation model, so a deploy skipped the warm pool with a warning. The pool is put through moto's backend
(describe_warm_pool returns it), and, as EC2 Auto Scaling does, refused on a group with a mixed instances policy
(EC2 Auto Scaling API Reference, PutWarmPool: "This operation cannot be called on an Auto Scaling group that has a
mixed instances policy or a launch template or launch configuration that requests Spot Instances")."""

from __future__ import annotations

from typing import Any

from moto.autoscaling.exceptions import ValidationError
from moto.autoscaling.models import autoscaling_backends
from moto.core.common_models import CloudFormationModel


class WarmPoolModel(CloudFormationModel):
    def __init__(self, group_name: str):
        self.group_name = group_name

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::AutoScaling::WarmPool"

    @property
    def physical_resource_id(self) -> str:
        return self.group_name

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
        **kwargs: Any,
    ) -> WarmPoolModel:
        p = cloudformation_json["Properties"]
        backend = autoscaling_backends[account_id][region_name]
        (group,) = backend.describe_auto_scaling_groups([p["AutoScalingGroupName"]])
        if group.mixed_instances_policy:
            raise ValidationError(
                "You can't add a warm pool to an Auto Scaling group that has a mixed instances policy or a launch "
                "template or launch configuration that requests Spot Instances."
            )
        backend.put_warm_pool(
            group_name=group.name,
            max_group_prepared_capacity=p.get("MaxGroupPreparedCapacity"),
            min_size=p.get("MinSize"),
            pool_state=p.get("PoolState"),
            instance_reuse_policy=p.get("InstanceReusePolicy"),
        )
        return cls(group.name)


def install() -> None:
    """Defining the class registers it; nothing else to patch."""
