"""StackArns (fleet_health.py) reads a stack's partition, region and account from one format_arn: its ARNs resolve as
Stack.format_arn's do, and its cdk-nag finding ids name the tokens as cdk-nag does, with and without a stack env."""

from __future__ import annotations

import pytest
from aws_cdk import Acknowledgment, App, ArnFormat, Environment, Stack, Validations
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

from ultrafleet.constructs.fleet_health import NodeHealthPolicy, NodeHealthPolicyProps, StackArns, group_arn_finding_id

LITERALS = "@aws-cdk/core:enablePartitionLiterals"
GROUP = "autoScalingGroup:*:autoScalingGroupName/g"


@pytest.mark.parametrize(
    ("env", "literals", "arn"),
    [
        (None, True, "arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>"),
        (Environment(region="us-east-1"), True, "arn:aws:autoscaling:us-east-1:<AWS::AccountId>"),
        (Environment(region="us-east-1"), False, "arn:<AWS::Partition>:autoscaling:us-east-1:<AWS::AccountId>"),
        (
            Environment(account="111122223333", region="cn-north-1"),
            True,
            "arn:aws-cn:autoscaling:cn-north-1:111122223333",
        ),
    ],
)
def test_arns_and_finding_ids_match_format_arn(env, literals, arn):
    stack = Stack(App(context={LITERALS: literals}), "S", env=env)
    arns = StackArns.of(stack)
    for ours, service, resource, name in (
        (arns.group_arn("g"), "autoscaling", "autoScalingGroup", "*:autoScalingGroupName/g"),
        (arns.arn("cloudwatch", "alarm", "a"), "cloudwatch", "alarm", "a"),
    ):
        cdk = stack.format_arn(
            service=service, resource=resource, resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
        )
        assert stack.resolve(ours) == stack.resolve(cdk)
    assert group_arn_finding_id(stack, "g") == f"AwsSolutions::AwsSolutions-IAM5[Resource::{arn}:{GROUP}]"


def test_cdk_nag_finds_the_node_health_policy_acknowledged_in_a_stack_without_env(tmp_path):
    app = App(outdir=str(tmp_path))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    stack = Stack(app, "S")  # partition, region and account all tokens
    group = autoscaling.CfnAutoScalingGroup(stack, "Group", min_size="1", max_size="1", auto_scaling_group_name="g")
    Validations.of(group).acknowledge(Acknowledgment(id="AwsSolutions::AwsSolutions-AS3", reason="a bare test group"))
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    props = NodeHealthPolicyProps(role=role, group=group, group_name="g", breaker_alarm_name="b")
    NodeHealthPolicy(stack, "Health", props=props)
    app.synth()  # raises ValidationFailed on an unacknowledged finding
