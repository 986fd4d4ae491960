"""The cost of a model's life: per fleet, the instances a workload needs, a training run's hours and dollars,
$ per 1M tokens per route and blended, and the purchase options side by side. Pure arithmetic on the spec's
``workload`` section, the catalog and a price table.

- A training run takes 6 x parameters x tokens FLOPs (Kaplan et al. 2020, "Scaling Laws for Neural Language
  Models", C = 6ND); at a utilisation ``mfu`` of the fleet's peak dense BF16 throughput (catalog overlay, with its
  source) it takes ``6 N D / (instances x accelerators x peak x mfu)`` seconds; with a measured
  tokens/s per instance, ``D / (instances x tokens/s)``. Failures stretch it by the lost share (planning.goodput).
- Capacity Blocks are bought in whole days up to 14 days, then in 7-day steps up to 182 days (EC2 API Reference,
  DescribeCapacityBlockOfferings, CapacityDurationHours); a longer run needs several blocks, the same hours.
- Inference is sized for the peak: average tokens/s x peak-to-average over one instance's tokens/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ultrafleet import catalog
from ultrafleet.findings import Finding, warning
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.prices import HOURS_PER_MONTH, PriceTable
from ultrafleet.spec.models import Role, Spec
from ultrafleet.spec.workload import TrainingRun

SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600


@dataclass(frozen=True, kw_only=True)
class Option:
    name: str
    """On-Demand, Capacity Block, Capacity Reservation or Spot."""
    usd_per_month: float | None
    """None: the table has no price for it."""
    basis: str


@dataclass(frozen=True, kw_only=True)
class TrainingPlan:
    fleet: str
    instances: int
    peak_pflops: float | None
    """The fleet's peak dense BF16 PFLOPS; None when the catalog cites none."""
    peak_source: str | None
    run_hours: float | None
    """Compute hours of one run, before failures."""
    hours_explanation: str
    lost_share: float | None
    """Share of the run lost to checkpoints, failures and restarts (planning.goodput); 0 when unknown."""
    capacity_block_hours: int | None
    runs_per_month: float
    usd_per_run: float | None
    """At the fleet's own purchase option."""
    options: tuple[Option, ...]


@dataclass(frozen=True, kw_only=True)
class RoutePlan:
    fleet: str
    share: float
    tokens_per_month: float
    instances_needed: int
    instances: int
    utilisation: float
    """The month's average load over the fleet's size at the spec's count."""
    usd_per_month: float | None
    usd_per_million_tokens: float | None


@dataclass(frozen=True, kw_only=True)
class ServingPlan:
    routes: tuple[RoutePlan, ...]
    blended_usd_per_million_tokens: float | None


def _rate(table: PriceTable, name: str, field: str) -> float | None:
    prices = table.instances.get(name)
    return getattr(prices, field) if prices else None


def _block_rate(fleet: ResolvedFleet, table: PriceTable) -> float | None:
    """Capacity Block $ per instance-hour; an UltraServer's rate spread over its instances."""
    if fleet.ultraserver:
        us = table.ultraservers.get(fleet.ultraserver.name)
        return us.capacity_block_hourly / fleet.ultraserver.instances if us else None
    return _rate(table, fleet.instance_type.name, "capacity_block_hourly")


def capacity_block_hours(hours: float) -> int:
    """Hours of Capacity Block to buy for a run: whole days up to 14, then 7-day steps (max 182 days)."""
    days = max(1, math.ceil(hours / 24 - 1e-9))
    if days > 14:
        days = 7 * math.ceil(days / 7)
    return days * 24


def run_hours(run: TrainingRun, fleet: ResolvedFleet) -> tuple[float | None, str, float | None, str | None]:
    """(hours, explanation, fleet peak PFLOPS, its source) of one run's compute."""
    tokens = run.tokens_billion * 1e9
    if run.tokens_per_second_per_instance:
        seconds = tokens / (run.tokens_per_second_per_instance * fleet.instances)
        return (
            seconds / 3600,
            (
                f"{run.tokens_billion:g}B tokens / ({fleet.instances} x "
                f"{run.tokens_per_second_per_instance:,g} tokens/s) = {seconds / 3600:,.1f} h ({run.throughput_source})"
            ),
            None,
            None,
        )
    peak = catalog.peak_dense_bf16(fleet.instance_type.name)
    acc = fleet.instance_type.accelerators
    if peak is None or acc is None:
        return (
            None,
            (
                f"unknown: the catalog cites no peak BF16 figure for {fleet.instance_type.name}; give "
                "tokens_per_second_per_instance instead of mfu"
            ),
            None,
            None,
        )
    fleet_flops = fleet.instances * acc.count * peak.tflops_per_accelerator * 1e12
    flops = 6 * run.parameters_billion * 1e9 * tokens
    seconds = flops / (fleet_flops * (run.mfu or 1))
    return (
        seconds / 3600,
        (
            f"6 x {run.parameters_billion:g}B x {run.tokens_billion:g}B tokens = {flops:.3g} FLOPs / "
            f"({fleet.instances} x {acc.count} x {peak.tflops_per_accelerator:g} TFLOPS x {run.mfu:g} MFU) "
            f"= {seconds / 3600:,.1f} h"
        ),
        fleet_flops / 1e15,
        peak.source,
    )


def _training_options(
    fleet: ResolvedFleet, table: PriceTable, hours: float | None, block_hours: int | None, runs_per_month: float
) -> tuple[Option, ...]:
    name, n = fleet.instance_type.name, fleet.instances
    od, cb = _rate(table, name, "on_demand_hourly"), _block_rate(fleet, table)

    def monthly(rate, h):
        return None if rate is None or h is None else rate * n * h * runs_per_month

    options = [
        Option(name="On-Demand", usd_per_month=monthly(od, hours), basis="the run's hours, as used"),
        Option(
            name="Capacity Reservation",
            usd_per_month=None if od is None else od * n * HOURS_PER_MONTH,
            basis="held all month at the On-Demand rate, used or not",
        ),
    ]
    if fleet.instance_type.capacity_block:
        options.insert(
            1, Option(name="Capacity Block", usd_per_month=monthly(cb, block_hours), basis="whole days bought per run")
        )
    return tuple(options)


def plan_training(run: TrainingRun, fleet: ResolvedFleet, table: PriceTable, lost: float | None) -> TrainingPlan:
    hours, text, peak, source = run_hours(run, fleet)
    stretched = None if hours is None else hours / (1 - (lost or 0))
    block = capacity_block_hours(stretched) if stretched is not None else None
    runs_per_month = run.runs_per_quarter / 3
    options = _training_options(fleet, table, stretched, block, runs_per_month)
    own = {
        "on-demand": "On-Demand",
        "capacity-block": "Capacity Block",
        "capacity-reservation": "Capacity Reservation",
    }.get(fleet.spec.capacity.type, "On-Demand")
    chosen = next((o for o in options if o.name == own), options[0])
    per_run = None if chosen.usd_per_month is None else chosen.usd_per_month / runs_per_month
    return TrainingPlan(
        fleet=fleet.spec.name,
        instances=fleet.instances,
        peak_pflops=peak,
        peak_source=source,
        run_hours=hours,
        hours_explanation=text,
        lost_share=lost,
        capacity_block_hours=block,
        runs_per_month=runs_per_month,
        usd_per_run=per_run,
        options=options,
    )


def always_on_options(fleet: ResolvedFleet, table: PriceTable) -> tuple[Option, ...]:
    """The fleet at its spec size all month under each purchase option it can use: Capacity Blocks where the type
    is sold so (per UltraServer for UltraServer fleets), Spot for inference fleets only (as the spec allows)."""
    name, n = fleet.instance_type.name, fleet.instances
    hours = n * HOURS_PER_MONTH

    def option(label: str, rate: float | None, basis: str) -> Option:
        return Option(name=label, usd_per_month=None if rate is None else rate * hours, basis=basis)

    od = _rate(table, name, "on_demand_hourly")
    options = [
        option("On-Demand", od, f"{n} instances all month"),
        option("Capacity Reservation", od, "the On-Demand rate, held all month"),
    ]
    if fleet.instance_type.capacity_block:
        options.insert(1, option("Capacity Block", _block_rate(fleet, table), "Capacity Blocks back to back"))
    if fleet.spec.role is Role.INFERENCE:
        spot = _rate(table, name, "spot_hourly")
        options.append(option("Spot", spot, "the table's Spot snapshot; instances can be reclaimed"))
    return tuple(options)


def plan_serving(
    spec: Spec, fleets: dict[str, ResolvedFleet], monthly: dict[str, float | None], table: PriceTable
) -> tuple[ServingPlan, list[Finding]]:
    serving = spec.workload.inference  # type: ignore[union-attr]
    assert serving is not None
    per_request = serving.input_tokens_per_request + serving.output_tokens_per_request
    routes, findings = [], []
    for i, route in enumerate(serving.routes):
        fleet = fleets[route.fleet]
        tokens = serving.requests_per_month * route.share * per_request
        average = tokens / SECONDS_PER_MONTH
        needed = max(1, math.ceil(average * serving.peak_to_average / route.tokens_per_second_per_instance - 1e-9))
        inference = fleet.spec.inference
        size = inference.max_size if inference and inference.max_size else fleet.instances
        use = average / (fleet.instances * route.tokens_per_second_per_instance)
        path = f"workload.inference.routes[{i}]"
        if size < needed:
            findings.append(
                warning(
                    "UF-WORK-101",
                    path,
                    f"fleet '{route.fleet}' holds at most {size} instances; the "
                    f"peak needs {needed}; raise its count or inference.max_size",
                )
            )
        elif use < 0.5:
            findings.append(
                warning(
                    "UF-WORK-102",
                    path,
                    f"fleet '{route.fleet}' is idle {1 - use:.0%} of the month "
                    f"at {fleet.instances} instances; {needed} carry the peak",
                )
            )
        usd = monthly.get(route.fleet)
        routes.append(
            RoutePlan(
                fleet=route.fleet,
                share=route.share,
                tokens_per_month=tokens,
                instances_needed=needed,
                instances=fleet.instances,
                utilisation=use,
                usd_per_month=usd,
                usd_per_million_tokens=None if usd is None else usd / (tokens / 1e6),
            )
        )
    parts = [r.share * r.usd_per_million_tokens for r in routes if r.usd_per_million_tokens is not None]
    blended = sum(parts) if len(parts) == len(routes) else None
    return ServingPlan(routes=tuple(routes), blended_usd_per_million_tokens=blended), findings
