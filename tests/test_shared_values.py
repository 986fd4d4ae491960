"""Values made once per process (ultrafleet.constructs.shared_values) render for each stack that uses them."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from ultrafleet.constructs import shared_values


def _role_in(name: str, region: str) -> dict:
    stack = cdk.Stack(cdk.App(), name, env=cdk.Environment(account="111122223333", region=region))
    iam.Role(
        stack,
        "Role",
        assumed_by=shared_values.service_principal("ec2.amazonaws.com"),
        managed_policies=[shared_values.aws_managed_policy("AmazonSSMManagedInstanceCore")],
    )
    return next(iter(Template.from_stack(stack).find_resources("AWS::IAM::Role").values()))["Properties"]


def test_one_managed_policy_and_principal_serve_stacks_of_different_apps_and_regions():
    commercial, china = _role_in("Commercial", "us-east-1"), _role_in("China", "cn-north-1")  # two apps, one value
    arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AmazonSSMManagedInstanceCore"]]}
    assert commercial["ManagedPolicyArns"] == china["ManagedPolicyArns"] == [arn]  # each stack's own partition
    principal = {"Service": "ec2.amazonaws.com"}
    assert commercial["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == principal
    assert china["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == principal
    assert shared_values.minutes(5) is shared_values.minutes(5)
    assert shared_values.minutes(5).to_seconds() == 300 and shared_values.hours(1).to_seconds() == 3600
