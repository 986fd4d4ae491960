"""Scope-free CDK values made once per process and shared by every fleet: durations, the EC2 service principal,
AWS-managed policies and the VPC's id.

Each creation is a round trip to jsii's Node process (about half a millisecond, docs/speed.md). These objects hold
no scope and resolve wherever they are used (an AWS-managed policy's ARN takes the partition of the stack that
renders it), so a spec of 512 fleets asks for each once instead of once per fleet, as the module constant
``LUSTRE_PORTS`` already does.
"""

from __future__ import annotations

from functools import cache

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam


@cache
def minutes(count: int) -> Duration:
    return Duration.minutes(count)


@cache
def hours(count: int) -> Duration:
    return Duration.hours(count)


@cache
def service_principal(service: str) -> iam.ServicePrincipal:
    return iam.ServicePrincipal(service)


@cache
def vpc_id(vpc: ec2.IVpc) -> str:
    """The VPC's id, read once: a token that each stack using it resolves to its own reference."""
    return vpc.vpc_id


@cache
def aws_managed_policy(name: str) -> iam.IManagedPolicy:
    return iam.ManagedPolicy.from_aws_managed_policy_name(name)
