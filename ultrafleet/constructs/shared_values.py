"""Scope-free CDK values made once per process and shared by every fleet: durations, ports, peers, the EC2 service
principal and AWS-managed policies.

Each creation is a round trip to jsii's Node process (about half a millisecond, docs/speed.md). These objects hold
no scope and resolve wherever they are used (an AWS-managed policy's ARN takes the partition of the stack that
renders it), so a spec of 512 fleets asks for each once instead of once per fleet, as the module constants
``HEALTH_CHECK_GRACE`` and ``LUSTRE_PORTS`` already do.
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
def tcp(port: int) -> ec2.Port:
    return ec2.Port.tcp(port)


@cache
def all_traffic() -> ec2.Port:
    return ec2.Port.all_traffic()


@cache
def any_ipv4() -> ec2.IPeer:
    return ec2.Peer.any_ipv4()


@cache
def service_principal(service: str) -> iam.ServicePrincipal:
    return iam.ServicePrincipal(service)


@cache
def aws_managed_policy(name: str) -> iam.IManagedPolicy:
    return iam.ManagedPolicy.from_aws_managed_policy_name(name)
