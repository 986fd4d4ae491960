"""``ultrafleet preflight``: will a deploy of this spec fail on quotas, capacity or launch parameters? Read-only
AWS calls made before any CloudFormation rollout starts, each result with the number needed, the number available
and the fix. Permissions: see docs/landing-zone.md#preflight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import Spec


@dataclass(frozen=True, kw_only=True)
class Result:
    level: Literal["ok", "warning", "error"]
    """error: the deploy would fail; warning: it may; ok: it will not fail on this."""
    code: str
    subject: str
    """What was checked: a quota, a fleet, a zone."""
    message: str
    """The numbers needed and available, and the fix when not ok."""

    def __str__(self) -> str:
        return f"{self.level} {self.code} {self.subject}: {self.message}"


@dataclass(frozen=True, kw_only=True)
class Clients:
    """boto3 clients for the spec's region."""

    ec2: Any
    service_quotas: Any
    ssm: Any


def max_instances(fleet: ResolvedFleet) -> int:
    """Instances the fleet runs at its largest: an inference fleet's max_size, else its size."""
    inf = fleet.spec.inference
    return (inf.max_size if inf and inf.max_size else None) or fleet.instances


def on_demand_instances(fleet: ResolvedFleet) -> int:
    """Instances the fleet can run On-Demand at its largest: all of a training fleet; an inference fleet's base
    plus the On-Demand share above it at max_size; none of a Spot fleet."""
    if fleet.spec.capacity.type == "spot":
        return 0
    inf = fleet.spec.inference
    if inf is None:
        return fleet.instances
    high = max_instances(fleet)
    base = min(inf.min_size if inf.min_size is not None else fleet.instances, high)
    return base + -(-(high - base) * (100 - inf.spot_percent) // 100)


def run(
    spec: Spec, fleets: list[ResolvedFleet], clients: Clients, now: datetime, images: dict[str, str]
) -> list[Result]:
    """Every check, in order: vCPU quotas, network interfaces, reservations, offerings, subnets, launch dry runs.

    :param images: fleet name -> the AMI id the deploy would boot (the lock's, the spec's, or the parameter's now).
    """
    from ultrafleet.account.preflight import capacity, launch, quotas

    return (
        quotas.vcpus(spec, fleets, clients)
        + quotas.network_interfaces(fleets, clients)
        + capacity.reservations(fleets, clients, now)
        + capacity.offerings(fleets, clients)
        + capacity.subnet_addresses(spec, fleets, clients)
        + launch.dry_runs(spec, fleets, clients, images)
    )
