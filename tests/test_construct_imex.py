"""The IMEX hook and its one grant, without a spec: a role in a bare Stack."""

from __future__ import annotations

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from ultrafleet.constructs.imex_domain import READS, grant_peer_discovery, imex_hook


@pytest.mark.parametrize("size", [2, 18])
def test_the_hook_writes_a_domain_of_the_given_size(size):
    hook = imex_hook("p6e-gb200.36xlarge", size)
    assert hook.name == "imex-domain"
    assert f"NVLink domain ({size} instances)" in hook.script
    assert "/etc/ultrafleet/health.d/50-imex-domain" in hook.script


def test_a_domain_of_one_is_refused():
    with pytest.raises(ValueError) as raised:
        imex_hook("p6e-gb200.36xlarge", 1)
    assert str(raised.value) == "instances_per_domain: 1 is below 2; an IMEX domain joins UltraServer peers"


def test_peer_discovery_reads_topology_and_addresses_only():
    stack = Stack()
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    grant_peer_discovery(role)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [{"Action": READS, "Effect": "Allow", "Resource": "*"}],
                "Version": "2012-10-17",
            }
        },
    )
