"""Where a fleet's instances land: a placement group ultrafleet creates, or an existing one."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class PlacementProps:
    """A fleet's placement group. Inferred as aws-cdk's PlacementGroup does: a partition count means partitions."""

    strategy: ec2.PlacementGroupStrategy | None = None
    """Cluster (an EC2 UltraCluster group in one AZ), partition or spread; default: PARTITION when
    ``partition_count`` is set, else CLUSTER."""
    partition_count: int | None = None
    """Partitions, only with the partition strategy; default: EC2's default."""
    existing_group_name: str | None = None
    """Use this group instead of creating one; default: a new group."""


class UltraClusterPlacement(Construct):
    """A placement group for one fleet; ``group_name`` is what the fleet's group or launch template names."""

    def __init__(self, scope: Construct, construct_id: str, *, props: PlacementProps) -> None:
        super().__init__(scope, construct_id)
        partitioned = props.partition_count is not None
        strategy = props.strategy or (
            ec2.PlacementGroupStrategy.PARTITION if partitioned else ec2.PlacementGroupStrategy.CLUSTER
        )
        if partitioned and strategy is not ec2.PlacementGroupStrategy.PARTITION:
            raise ValueError(
                f"partition_count: {props.partition_count} needs strategy PARTITION, not {strategy.value}; "
                "leave strategy out or set it to PARTITION"
            )
        if props.existing_group_name:
            self.group_name = props.existing_group_name
            return
        group = ec2.PlacementGroup(self, "Group", strategy=strategy, partitions=props.partition_count)
        self.group_name = group.placement_group_name
