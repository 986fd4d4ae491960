"""FSx for Lustre facts and defaults, in one place: the sizes and per-unit throughputs AWS accepts, ultrafleet's
default throughput, and the zone the file system goes in.

FSx for Lustre API Reference (CreateFileSystemLustreConfiguration, StorageCapacity): PERSISTENT_2 per-unit
throughput is 125, 250, 500 or 1000 MB/s/TiB, and only persistent types take one; SSD capacity is 1,200 GiB,
2,400 GiB, then increments of 2,400 GiB.
"""

from __future__ import annotations

from dataclasses import dataclass

from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import Lustre, Role

PERSISTENT_2_THROUGHPUTS = (125, 250, 500, 1000)
"""MB/s/TiB a PERSISTENT_2 file system accepts (CreateFileSystemLustreConfiguration, PerUnitStorageThroughput)."""
DEFAULT_PERSISTENT_2_MB_S_PER_TIB = 250
"""ultrafleet's choice when the spec leaves storage.lustre.throughput_mb_s_per_tib out (the API needs a value)."""


def allowed_throughputs() -> str:
    """'125, 250, 500 or 1000', for messages."""
    *head, last = PERSISTENT_2_THROUGHPUTS
    return f"{', '.join(map(str, head))} or {last}"


def per_unit_throughput(lustre: Lustre) -> int | None:
    """PERSISTENT_2's per-unit throughput in MB/s/TiB, the default when left out; None for SCRATCH_2."""
    if lustre.deployment_type != "PERSISTENT_2":
        return None
    return lustre.throughput_mb_s_per_tib or DEFAULT_PERSISTENT_2_MB_S_PER_TIB


def valid_lustre_capacity(gib: int) -> bool:
    return gib in (1200, 2400) or (gib > 2400 and gib % 2400 == 0)


def next_lustre_capacity(gib: int) -> int:
    """The smallest valid SSD capacity at or above ``gib``."""
    if gib <= 1200:
        return 1200
    return max(2400, -(-gib // 2400) * 2400)


def lustre_zone(fleets: list[ResolvedFleet]) -> str | None:
    """The zone Lustre (and the express bucket) goes in: the first training fleet's."""
    training = [f for f in fleets if f.spec.role is Role.TRAINING]
    return training[0].availability_zones[0] if training else None


@dataclass(frozen=True, kw_only=True)
class LustrePlan:
    """The file system as it will be created."""

    settings: Lustre
    """The spec's storage.lustre with ``throughput_mb_s_per_tib`` resolved (None only for SCRATCH_2)."""
    zone: str
    """The first training fleet's zone."""

    @property
    def throughput_mb_s_per_tib(self) -> int | None:
        return self.settings.throughput_mb_s_per_tib


def plan_lustre(lustre: Lustre | None, fleets: list[ResolvedFleet]) -> LustrePlan | None:
    """None without storage.lustre or without a training fleet to place it next to."""
    zone = lustre_zone(fleets)
    if lustre is None or zone is None:
        return None
    return LustrePlan(
        settings=lustre.model_copy(update={"throughput_mb_s_per_tib": per_unit_throughput(lustre)}), zone=zone
    )
