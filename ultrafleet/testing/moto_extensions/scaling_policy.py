"""AWS::AutoScaling::ScalingPolicy through CloudFormation: moto 5.2.5 models scaling policies in its Auto Scaling
API but not in CloudFormation. The policy is put through moto's backend, so describe_policies returns it."""

from __future__ import annotations

from typing import Any

from moto.autoscaling.models import autoscaling_backends
from moto.core.common_models import CloudFormationModel


class ScalingPolicyModel(CloudFormationModel):
    def __init__(self, arn: str):
        self.arn = arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::AutoScaling::ScalingPolicy"

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
        **kwargs: Any,
    ) -> ScalingPolicyModel:
        p = cloudformation_json["Properties"]
        policy = autoscaling_backends[account_id][region_name].put_scaling_policy(
            name=resource_name,
            policy_type=p.get("PolicyType", "SimpleScaling"),
            metric_aggregation_type=p.get("MetricAggregationType"),
            adjustment_type=p.get("AdjustmentType"),
            as_name=p["AutoScalingGroupName"],
            min_adjustment_magnitude=p.get("MinAdjustmentMagnitude"),
            scaling_adjustment=p.get("ScalingAdjustment"),
            cooldown=p.get("Cooldown"),
            target_tracking_config=p.get("TargetTrackingConfiguration"),
            step_adjustments=p.get("StepAdjustments"),
            estimated_instance_warmup=p.get("EstimatedInstanceWarmup"),
            predictive_scaling_configuration=p.get("PredictiveScalingConfiguration"),
        )
        return cls(policy.arn)


def install() -> None:
    """Defining the class registers it; nothing else to patch."""
