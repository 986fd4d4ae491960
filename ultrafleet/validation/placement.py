"""Placement: zones the spec knows, cluster and EFA in one AZ, partition settings that agree."""

from __future__ import annotations

from ultrafleet.findings import Finding, error
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import PlacementStrategy, Spec


def check(spec: Spec, fleet: ResolvedFleet) -> list[Finding]:
    placement = fleet.spec.placement
    path = f"{fleet.path}.availability_zones"
    out: list[Finding] = []
    for az in fleet.availability_zones:
        if az not in spec.availability_zones:
            out.append(
                error(
                    "UF-PLC-001",
                    path,
                    f"'{az}' is not among the spec's availability_zones "
                    f"({', '.join(spec.availability_zones)}); add it there or pick one of them",
                )
            )
    if len(fleet.availability_zones) > 1:
        if fleet.efa:
            out.append(
                error(
                    "UF-PLC-002",
                    path,
                    f"{list(fleet.availability_zones)}: EFA traffic cannot cross "
                    "availability zones; give an EFA fleet one zone, or set efa: false",
                )
            )
        if fleet.placement_strategy is PlacementStrategy.CLUSTER and not placement.existing_group_name:
            out.append(
                error(
                    "UF-PLC-003",
                    path,
                    f"{list(fleet.availability_zones)}: a cluster placement group "
                    "lives in one zone; use one zone or placement.strategy: spread",
                )
            )
    strategy = fleet.placement_strategy
    written = placement.strategy  # a partition count alone infers partition (planning.fleets.resolve)
    if placement.partition_count is not None and written not in (None, PlacementStrategy.PARTITION):
        out.append(
            error(
                "UF-PLC-004",
                f"{fleet.path}.placement.partition_count",
                f"{placement.partition_count} "
                f"contradicts placement.strategy '{written.value}'; set strategy: partition or remove "
                "partition_count",
            )
        )
    strategies = fleet.instance_type.placement_strategies
    if strategy and strategies and strategy.value not in strategies:
        out.append(
            error(
                "UF-PLC-005",
                f"{fleet.path}.placement.strategy",
                f"'{strategy.value}' is not supported by {fleet.instance_type.name}; use {' or '.join(strategies)}",
            )
        )
    return out
