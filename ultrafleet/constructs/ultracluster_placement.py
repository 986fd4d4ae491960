"""Where a fleet's instances land: a placement group ultrafleet creates, an existing one, or none."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from ultrafleet.spec.models import PlacementStrategy

_STRATEGIES = {
    PlacementStrategy.CLUSTER: ec2.PlacementGroupStrategy.CLUSTER,
    PlacementStrategy.PARTITION: ec2.PlacementGroupStrategy.PARTITION,
    PlacementStrategy.SPREAD: ec2.PlacementGroupStrategy.SPREAD,
}


class UltraClusterPlacement(Construct):
    """A placement group for one fleet.

    :param strategy: cluster (an EC2 UltraCluster group in one AZ), partition or spread.
    :param partition_count: partitions, only with the partition strategy; default: EC2's default.
    :param existing_group_name: use this group instead of creating one; default: a new group.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        strategy: PlacementStrategy,
        partition_count: int | None = None,
        existing_group_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if partition_count is not None and strategy is not PlacementStrategy.PARTITION:
            raise ValueError(f"partition_count: {partition_count} needs strategy partition, not {strategy.value}")
        if existing_group_name:
            self.group_name = existing_group_name
            return
        group = ec2.PlacementGroup(self, "Group", strategy=_STRATEGIES[strategy], partitions=partition_count)
        self.group_name = group.placement_group_name
