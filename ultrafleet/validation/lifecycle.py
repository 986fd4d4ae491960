"""Node lifecycle settings: hot spares only on reserved capacity, Capacity Block times Auto Scaling can schedule,
a termination heartbeat Auto Scaling accepts and a drain that fits in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ultrafleet import catalog
from ultrafleet.findings import Finding, error, warning
from ultrafleet.planning import node_lifecycle as nl
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import CapacityBlock

RESERVED = ("capacity-reservation", "capacity-block")


def _spares(fleet: ResolvedFleet) -> list[Finding]:
    kind = fleet.spec.capacity.type
    if fleet.spec.spares and kind not in RESERVED:
        return [
            error(
                "UF-LCY-001",
                f"{fleet.path}.spares",
                f"{fleet.spec.spares}: hot spares are for reserved capacity (capacity-reservation or "
                f"capacity-block), where a failed node has no free slot to be replaced in; with {kind} the group "
                "launches a replacement itself: remove spares",
            )
        ]
    return []


def _block_holds_spares(fleet: ResolvedFleet) -> list[Finding]:
    limit = catalog.capacity_block_max_instances()
    size = fleet.instances + fleet.spec.spares
    if fleet.spec.capacity.type != "capacity-block" or not fleet.spec.spares or size <= limit:
        return []
    return [
        error(
            "UF-LCY-009",
            f"{fleet.path}.spares",
            f"{fleet.spec.spares}: count plus spares ({size}) exceeds the {limit} instances a Capacity Block holds; "
            f"use at most {max(0, limit - fleet.instances)} spares, or split the fleet across blocks",
        )
    ]


def _utc_hour(value: datetime, path: str) -> list[Finding]:
    if value.utcoffset() != timedelta(0):
        utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return [
            error(
                "UF-LCY-002",
                path,
                f"{value.isoformat()}: give the time in UTC with a Z suffix, as Capacity Blocks are scheduled "
                f"(e.g. {utc.strftime('%Y-%m-%dT%H:%M:%SZ')})",
            )
        ]
    if (value.minute, value.second, value.microsecond) != (0, 0, 0):
        return [
            error(
                "UF-LCY-003",
                path,
                f"{value.isoformat()}: Capacity Blocks start and end on whole hours; use "
                f"{value.replace(minute=0, second=0, microsecond=0).isoformat()} or the next hour",
            )
        ]
    return []


def _block_times(fleet: ResolvedFleet) -> list[Finding]:
    cap = fleet.spec.capacity
    if not isinstance(cap, CapacityBlock):
        return []
    path = f"{fleet.path}.capacity"
    out: list[Finding] = []
    for name in ("starts_at", "ends_at"):
        value = getattr(cap, name)
        if value is not None:
            out += _utc_hour(value, f"{path}.{name}")
    if out:
        return out
    if (cap.starts_at is None) != (cap.ends_at is None):
        given = "starts_at" if cap.starts_at else "ends_at"
        missing = "ends_at" if cap.starts_at else "starts_at"
        return [error("UF-LCY-004", f"{path}.{missing}", f"missing: {given} is set; give both times or neither")]
    if cap.starts_at and cap.ends_at and cap.ends_at <= cap.starts_at:
        out.append(
            error(
                "UF-LCY-005",
                f"{path}.ends_at",
                f"{cap.ends_at.isoformat()} is not after starts_at {cap.starts_at.isoformat()}; a Capacity Block "
                "ends after it starts: fix the order",
            )
        )
    return out


def _heartbeat_range(fleet: ResolvedFleet) -> list[Finding]:
    path = f"{fleet.path}.health.termination_heartbeat_seconds"
    given = fleet.spec.health.termination_heartbeat_seconds
    if given is not None and not nl.HEARTBEAT_MIN_SECONDS <= given <= nl.HEARTBEAT_MAX_SECONDS:
        return [
            error(
                "UF-LCY-006",
                path,
                f"{given}: Auto Scaling allows a lifecycle hook heartbeat of {nl.HEARTBEAT_MIN_SECONDS} to "
                f"{nl.HEARTBEAT_MAX_SECONDS} s; set at most {nl.HEARTBEAT_MAX_SECONDS} (the node records a heartbeat "
                "every half period, so a drain may run longer)",
            )
        ]
    return []


def _drain_fits(fleet: ResolvedFleet, term: nl.Termination) -> list[Finding]:
    path = f"{fleet.path}.health.termination_heartbeat_seconds"
    limit = nl.global_timeout_seconds(term.heartbeat_seconds)
    if term.drain_seconds is not None and term.drain_seconds > limit:
        return [
            error(
                "UF-LCY-007",
                path,
                f"{term.heartbeat_seconds}: the planned drain ({term.drain_seconds:,.0f} s) exceeds the longest wait "
                f"Auto Scaling allows ({limit:,} s = min(48 h, 100 x heartbeat)); raise the heartbeat or the drain "
                "target's bandwidth (storage.lustre throughput, more nodes)",
            )
        ]
    return []


def _warning_lead(fleet: ResolvedFleet, term: nl.Termination) -> list[Finding]:
    cap = fleet.spec.capacity
    lead = int((nl.WARNING_BEFORE_END - nl.TERMINATION_BEFORE_END).total_seconds())
    if not isinstance(cap, CapacityBlock) or cap.ends_at is not None or term.drain_seconds is None:
        return []
    if term.drain_seconds <= lead:
        return []
    return [
        warning(
            "UF-LCY-008",
            f"{fleet.path}.capacity.ends_at",
            f"not set: EC2's expiration warning leaves {lead} s before termination begins, less than the planned "
            f"drain ({term.drain_seconds:,.0f} s); set starts_at and ends_at so a scheduled action scales in earlier",
        )
    ]


def check(fleets: list[ResolvedFleet], lifecycles: list[nl.NodeLifecycle]) -> list[Finding]:
    """``lifecycles``: the plan's, one per fleet in the same order (a termination hook's plan when it has one)."""
    out: list[Finding] = []
    for fleet, lifecycle in zip(fleets, lifecycles, strict=True):
        out += (_spares(fleet) or _block_holds_spares(fleet)) + _block_times(fleet)
        heartbeat = _heartbeat_range(fleet)
        out += heartbeat
        if lifecycle.termination and not heartbeat:
            term = lifecycle.termination
            out += _drain_fits(fleet, term) or _warning_lead(fleet, term)
    return out
