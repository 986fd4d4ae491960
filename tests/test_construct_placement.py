"""UltraClusterPlacement alone in a bare Stack: what it infers and what it refuses."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from ultrafleet.constructs.ultracluster_placement import PlacementProps, UltraClusterPlacement


def placement(**props) -> tuple[UltraClusterPlacement, Template]:
    stack = cdk.Stack(cdk.App())
    construct = UltraClusterPlacement(stack, "Placement", props=PlacementProps(**props))
    return construct, Template.from_stack(stack)


def test_no_strategy_is_a_cluster_group():
    _, template = placement()
    template.resource_count_is("AWS::EC2::PlacementGroup", 1)
    template.has_resource_properties("AWS::EC2::PlacementGroup", {"Strategy": "cluster"})


@pytest.mark.parametrize("count", [1, 7])
def test_a_partition_count_alone_means_partitions(count):
    _, template = placement(partition_count=count)
    template.has_resource_properties("AWS::EC2::PlacementGroup", {"Strategy": "partition", "PartitionCount": count})


@pytest.mark.parametrize("strategy", [ec2.PlacementGroupStrategy.CLUSTER, ec2.PlacementGroupStrategy.SPREAD])
def test_a_partition_count_contradicting_the_strategy_names_both(strategy):
    with pytest.raises(ValueError) as raised:
        placement(strategy=strategy, partition_count=2)
    assert str(raised.value) == (
        f"partition_count: 2 needs strategy PARTITION, not {strategy.value}; leave strategy out or set it to PARTITION"
    )


def test_an_existing_group_is_used_by_name_and_nothing_is_created():
    construct, template = placement(strategy=ec2.PlacementGroupStrategy.CLUSTER, existing_group_name="shared-pg")
    assert construct.group_name == "shared-pg"
    template.resource_count_is("AWS::EC2::PlacementGroup", 0)
