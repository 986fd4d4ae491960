"""The inference stack: one Application Load Balancer and a target group per inference fleet."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ultrafleet.constructs.inference_load_balancer import InferenceLoadBalancer
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import Inference, LoadBalancer
from ultrafleet.stacks import construct_props


class InferenceStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        fleets: list[ResolvedFleet],
        vpc: ec2.IVpc,
        settings: LoadBalancer,
        logs_bucket: s3.IBucket,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.endpoint = InferenceLoadBalancer(
            self,
            "Endpoint",
            props=construct_props.load_balancer(settings, vpc=vpc, logs_bucket=logs_bucket),
        )
        self.target_groups: dict[str, elbv2.ApplicationTargetGroup] = {
            f.spec.name: self.endpoint.add_fleet(
                construct_props.fleet_target(f.spec.name, f.spec.inference or Inference())
            )
            for f in fleets
        }
