"""Resolve each spec fleet into concrete numbers: type, instance count, zones, EFA layout."""

from __future__ import annotations

from dataclasses import dataclass

from ultrafleet import catalog
from ultrafleet.catalog import InstanceType, UltraServerType
from ultrafleet.planning.efa_layout import (
    EFA_KINDS,
    Interface,
    efa_bandwidth_gbps,
    ena_bandwidth_gbps,
    interfaces,
    ip_addresses,
)
from ultrafleet.spec.models import Fleet, PlacementStrategy, Spec


@dataclass(frozen=True, kw_only=True)
class ResolvedFleet:
    spec: Fleet
    path: str
    """Where the fleet sits in the spec, e.g. fleets[1]."""
    instance_type: InstanceType
    ultraserver: UltraServerType | None
    instances: int
    availability_zones: tuple[str, ...]
    efa: bool
    layout: tuple[Interface, ...]
    placement_strategy: PlacementStrategy | None
    """None: no placement group (a multi-zone fleet that asked for none)."""

    @property
    def efa_interfaces(self) -> int:
        return sum(1 for i in self.layout if i.kind in EFA_KINDS)

    @property
    def ip_addresses_per_instance(self) -> int:
        return ip_addresses(self.layout)

    @property
    def efa_bandwidth_gbps(self) -> float:
        return efa_bandwidth_gbps(self.instance_type, self.layout)

    @property
    def ena_bandwidth_gbps(self) -> float | None:
        return ena_bandwidth_gbps(self.instance_type, self.layout)

    @property
    def accelerators(self) -> int:
        acc = self.instance_type.accelerators
        return acc.count * self.instances if acc else 0


def type_name(fleet: Fleet) -> str | None:
    """The instance type a fleet runs, directly or through its UltraServer type (None if unknown)."""
    if fleet.ultraserver_type:
        us = catalog.ultraserver_types().get(fleet.ultraserver_type)
        return us.instance_type if us else None
    return fleet.instance_type


def resolve(spec: Spec, index: int) -> ResolvedFleet:
    """Resolve one fleet of a spec that passed validation."""
    fleet = spec.fleets[index]
    itype = catalog.get(type_name(fleet) or "")
    ultraserver = catalog.ultraserver_types()[fleet.ultraserver_type] if fleet.ultraserver_type else None
    instances = ultraserver.instances * (fleet.ultraserver_count or 1) if ultraserver else fleet.count or 1
    azs = tuple(fleet.availability_zones or spec.availability_zones[:1])
    efa = (itype.efa_supported and len(azs) == 1) if fleet.efa is None else fleet.efa
    strategy = fleet.placement.strategy
    if strategy is None and fleet.placement.partition_count is not None:
        # A partition count means the partition strategy (aws-cdk aws-ec2 PlacementGroup infers it the same way).
        strategy = PlacementStrategy.PARTITION
    # Capacity Block instances are already placed together inside an EC2 UltraCluster (EC2 API Reference,
    # CapacityBlock), so ultrafleet adds no placement group to them unless the spec asks for one.
    if strategy is None and len(azs) == 1 and fleet.capacity.type != "capacity-block":
        strategy = PlacementStrategy.CLUSTER
    return ResolvedFleet(
        spec=fleet,
        path=f"fleets[{index}]",
        instance_type=itype,
        ultraserver=ultraserver,
        instances=instances,
        availability_zones=azs,
        efa=efa,
        layout=interfaces(
            itype, efa=efa, extra_ena=fleet.extra_ena_interfaces, efa_with_ena=fleet.efa_interface_type == "efa"
        ),
        placement_strategy=strategy,
    )


def resolve_all(spec: Spec) -> list[ResolvedFleet]:
    return [resolve(spec, i) for i in range(len(spec.fleets))]
