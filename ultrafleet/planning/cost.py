"""The cost plan: hourly and monthly cost per fleet and in total, from a price table. Pure arithmetic.

- Instances at the fleet's size (an inference fleet's desired count), priced by capacity (a Capacity Block of
  UltraServers per UltraServer): On-Demand and Capacity
  Reservations at the On-Demand rate (a reservation is billed whether or not it runs instances: EC2 User Guide,
  "Capacity Reservation pricing and billing"), Capacity Blocks at their effective hourly rate, Spot at the table's
  Spot price; an inference fleet's Spot share applies above its On-Demand base (min_size), as its mixed-instances
  policy buys it.
- Each instance's gp3 root volume; the Lustre file system by capacity and throughput tier; the checkpoint bucket
  at steady state: ``storage.checkpoint.kept_in_s3`` checkpoints in the class the lifecycle moves them to.
- The NAT gateways and their public IPv4 addresses, and the inference load balancer, by the hour (their traffic
  charges are not priced).
- A month is 730 hours. A price the table lacks is named in ``missing`` and left out of the totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ultrafleet.findings import SpecError, error
from ultrafleet.planning.checkpoint import checkpoint_size_gb
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.lustre import per_unit_throughput
from ultrafleet.planning.prices import HOURS_PER_MONTH, PriceTable
from ultrafleet.spec.models import Spec


@dataclass(frozen=True, kw_only=True)
class Line:
    item: str
    quantity: str
    hourly_usd: float | None
    """None: the price is missing."""

    @property
    def monthly_usd(self) -> float | None:
        return None if self.hourly_usd is None else self.hourly_usd * HOURS_PER_MONTH


@dataclass(frozen=True, kw_only=True)
class FleetCost:
    fleet: str
    lines: tuple[Line, ...]
    tokens_per_hour: float | None
    """What an inference fleet with tokens_per_second_per_instance serves in an hour at its size."""

    @property
    def hourly_usd(self) -> float:
        return sum(line.hourly_usd or 0 for line in self.lines)

    @property
    def monthly_usd(self) -> float:
        return self.hourly_usd * HOURS_PER_MONTH

    @property
    def usd_per_million_tokens(self) -> float | None:
        """None without a throughput, or while a line is unpriced."""
        if not self.tokens_per_hour or any(line.hourly_usd is None for line in self.lines):
            return None
        return self.hourly_usd / self.tokens_per_hour * 1e6


@dataclass(frozen=True, kw_only=True)
class CostPlan:
    prices: PriceTable
    fleets: tuple[FleetCost, ...]
    shared: tuple[Line, ...]
    missing: tuple[str, ...] = field(default=())
    """Price-table keys and spec fields the plan needed and did not find."""

    @property
    def total_hourly_usd(self) -> float:
        return sum(f.hourly_usd for f in self.fleets) + sum(line.hourly_usd or 0 for line in self.shared)

    @property
    def total_monthly_usd(self) -> float:
        return self.total_hourly_usd * HOURS_PER_MONTH


def _ultraserver_line(fleet: ResolvedFleet, table: PriceTable, missing: list[str]) -> Line:
    """A Capacity Block of UltraServers is priced per UltraServer (EC2 Capacity Blocks pricing page)."""
    assert fleet.ultraserver is not None
    name, count = fleet.ultraserver.name, fleet.spec.ultraserver_count or 1
    prices = table.ultraservers.get(name)
    if prices is None:
        missing.append(f"ultraservers.{name}.capacity_block_hourly")
    return Line(
        item=f"Capacity Block {name}",
        quantity=f"{count} x",
        hourly_usd=None if prices is None else count * prices.capacity_block_hourly,
    )


def _instance_lines(fleet: ResolvedFleet, table: PriceTable, missing: list[str]) -> list[Line]:
    name, n = fleet.instance_type.name, fleet.instances
    capacity = fleet.spec.capacity.type
    inference = fleet.spec.inference
    if fleet.ultraserver and capacity == "capacity-block":
        return [_ultraserver_line(fleet, table, missing)]
    prices = table.instances.get(name)

    def line(label: str, count: float, rate: str) -> Line:
        hourly = getattr(prices, rate) if prices else None
        if hourly is None:
            missing.append(f"instances.{name}.{rate}")
        return Line(
            item=f"{label} {name}", quantity=f"{count:g} x", hourly_usd=None if hourly is None else count * hourly
        )

    if capacity == "capacity-block":
        return [line("Capacity Block", n, "capacity_block_hourly")]
    if capacity == "spot":
        return [line("Spot", n, "spot_hourly")]
    label = "Capacity Reservation" if capacity == "capacity-reservation" else "On-Demand"
    spot_percent = inference.spot_percent if inference else 0
    if not spot_percent:
        return [line(label, n, "on_demand_hourly")]
    base = inference.min_size if inference and inference.min_size is not None else n
    spot = max(n - base, 0) * spot_percent / 100
    return [line(label, n - spot, "on_demand_hourly"), line("Spot", spot, "spot_hourly")]


def _storage_line(item: str, quantity: str, gb: float, rate: float | None, key: str, missing: list[str]) -> Line:
    """``gb`` at ``rate`` per GB-month, as an hourly line; ``key`` is recorded missing when there is no rate."""
    if rate is None:
        missing.append(key)
    return Line(item=item, quantity=quantity, hourly_usd=None if rate is None else gb * rate / HOURS_PER_MONTH)


def _fleet_cost(fleet: ResolvedFleet, table: PriceTable, missing: list[str]) -> FleetCost:
    lines = _instance_lines(fleet, table, missing)
    gb = fleet.instances * fleet.spec.root_volume_gib
    lines.append(
        _storage_line("gp3 root volumes", f"{gb:,} GB", gb, table.ebs_gp3_gb_month, "ebs_gp3_gb_month", missing)
    )
    tokens = fleet.spec.inference.tokens_per_second_per_instance if fleet.spec.inference else None
    return FleetCost(
        fleet=fleet.spec.name,
        lines=tuple(lines),
        tokens_per_hour=tokens * 3600 * fleet.instances if tokens else None,
    )


def _hourly_line(item: str, count: int, rate: float | None, key: str, missing: list[str]) -> Line:
    if rate is None:
        missing.append(key)
    return Line(item=item, quantity=f"{count} x", hourly_usd=None if rate is None else count * rate)


def _network_lines(spec: Spec, table: PriceTable, missing: list[str]) -> list[Line]:
    """NAT gateways with their Elastic IPs (the CDK's Vpc makes one per zone up to network.nat_gateways), and the
    inference load balancer's hourly charge; their per-GB and LCU charges depend on traffic and are not priced."""
    lines = []
    nat = min(spec.network.nat_gateways, len(spec.availability_zones))
    if nat:
        lines.append(_hourly_line("NAT gateways", nat, table.nat_gateway_hourly, "nat_gateway_hourly", missing))
        lines.append(_hourly_line("public IPv4 (NAT)", nat, table.public_ipv4_hourly, "public_ipv4_hourly", missing))
    if any(f.role.value == "inference" for f in spec.fleets):
        lines.append(_hourly_line("Application Load Balancer", 1, table.alb_hourly, "alb_hourly", missing))
    return lines


def _shared_lines(spec: Spec, table: PriceTable, missing: list[str]) -> list[Line]:
    lines = _network_lines(spec, table, missing)
    lustre = spec.storage.lustre
    if lustre:
        per_unit = per_unit_throughput(lustre)
        key = lustre.deployment_type + (f"/{per_unit}" if per_unit else "")
        gb = lustre.storage_capacity_gib
        rate = table.lustre_gb_month.get(key)
        lines.append(_storage_line(f"FSx for Lustre {key}", f"{gb:,} GB", gb, rate, f"lustre_gb_month.{key}", missing))
    ckpt = spec.storage.checkpoint
    if ckpt and ckpt.kept_in_s3:
        transition = spec.storage.checkpoint_bucket.transition
        storage_class = transition.storage_class.value if transition else "STANDARD"
        size = checkpoint_size_gb(ckpt)[0]
        lines.append(
            _storage_line(
                f"S3 {storage_class} checkpoints",
                f"{ckpt.kept_in_s3} x {size:,.0f} GB",
                ckpt.kept_in_s3 * size,
                table.s3_gb_month.get(storage_class),
                f"s3_gb_month.{storage_class}",
                missing,
            )
        )
    else:
        missing.append("storage.checkpoint.kept_in_s3")
    return lines


def plan_cost(spec: Spec, fleets: list[ResolvedFleet], table: PriceTable) -> CostPlan:
    """The plan; SpecError when the table prices another region."""
    if table.region != spec.region:
        raise SpecError(
            [
                error(
                    "UF-COST-002",
                    "region",
                    f"{spec.region}: the price table is for {table.region}; use a table for {spec.region}",
                )
            ]
        )
    missing: list[str] = []
    costs = tuple(_fleet_cost(f, table, missing) for f in fleets)
    shared = tuple(_shared_lines(spec, table, missing))
    return CostPlan(prices=table, fleets=costs, shared=shared, missing=tuple(dict.fromkeys(missing)))
