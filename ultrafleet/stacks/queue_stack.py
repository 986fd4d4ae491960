"""AWS PCS queues over several fleets (the spec's ``scheduler.queues``), in their own stack: a queue refers to
each member fleet's compute node group, so it deploys after them and is destroyed before them."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_pcs as pcs
from constructs import Construct

from ultrafleet.stacks.fleet_stack import FleetStack


class QueueStack(Stack):
    """One ``AWS::PCS::Queue`` per entry of ``queues`` (queue name -> fleet names)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_id: str,
        queues: Mapping[str, list[str]],
        fleets: Mapping[str, FleetStack],
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        for queue, members in queues.items():
            pcs.CfnQueue(
                self,
                f"{queue}-queue",
                cluster_id=cluster_id,
                name=queue,
                compute_node_group_configurations=[
                    {"computeNodeGroupId": fleets[m].fleet.node_group.attr_id} for m in members
                ],
            )
