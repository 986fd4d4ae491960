"""NVIDIA IMEX on a GB200 UltraServer fleet: the boot-script hook and the one API read it needs.

At boot each node finds the peers of its own UltraServer in DescribeInstanceTopology (their CapacityBlockId),
writes the IMEX node list from their private addresses (DescribeInstances), starts nvidia-imex, and installs the
health check /etc/ultrafleet/health.d/50-imex-domain that the boot health gate runs.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam

from ultrafleet.constructs.fleet_nodes import UserDataHook
from ultrafleet.constructs.scanner_acks import acknowledge_default_policy, ec2_describe_on_any
from ultrafleet.templates import render

PEER_WAIT_SECONDS = 600
"""How long a node waits for every peer of its UltraServer to be running (the boot health grace is 15 min)."""
DOMAIN_WAIT_SECONDS = 300
"""How long the health check waits for the IMEX domain to be UP with every peer READY."""
READS = ["ec2:DescribeInstanceTopology", "ec2:DescribeInstances"]
"""DescribeInstanceTopology finds the peers; it returns no addresses, so DescribeInstances gives them."""


def imex_hook(instance_type: str, instances_per_domain: int) -> UserDataHook:
    """The IMEX hook for a GB200 UltraServer fleet: ``instances_per_domain`` (the plan's imex_domain_size) nodes
    form one NVLink domain."""
    if instances_per_domain < 2:
        raise ValueError(
            f"instances_per_domain: {instances_per_domain} is below 2; an IMEX domain joins UltraServer peers"
        )
    size = instances_per_domain
    script = render(
        "imex_domain.sh.j2",
        instance_type=instance_type,
        instances_per_domain=size,
        peer_wait_seconds=PEER_WAIT_SECONDS,
        domain_wait_seconds=DOMAIN_WAIT_SECONDS,
    )
    return UserDataHook(name="imex-domain", script=script.rstrip("\n"))


def grant_peer_discovery(role: iam.Role) -> None:
    """Let the nodes read the topology and addresses of their peers (read-only; these take no resource ARN)."""
    role.add_to_principal_policy(iam.PolicyStatement(actions=READS, resources=["*"]))
    Validations.of(role).acknowledge(
        Acknowledgment(
            id="AwsSolutions::AwsSolutions-IAM5[Resource::*]",
            reason="ec2:DescribeInstanceTopology and ec2:DescribeInstances support no resource-level permissions "
            "(Service Authorization Reference, Amazon EC2); the IMEX setup reads its UltraServer peers with them",
        )
    )
    acknowledge_default_policy(role, cfripper={"WildcardResourceRule": ec2_describe_on_any(READS)})
