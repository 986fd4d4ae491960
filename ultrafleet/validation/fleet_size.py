"""An UltraServer fleet's size, checked on its own field before it shows up as an oversized VPC."""

from __future__ import annotations

from ultrafleet.findings import Finding, error
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import Fleet

MAX_FLEET_INSTANCES: int = next(m.le for m in Fleet.model_fields["count"].metadata if hasattr(m, "le"))
"""The most instances one fleet holds (the bound of ``count``), also for fleets sized in UltraServers."""


def check(fleet: ResolvedFleet) -> list[Finding]:
    if not fleet.ultraserver or fleet.instances <= MAX_FLEET_INSTANCES:
        return []
    per = fleet.ultraserver.instances
    return [
        error(
            "UF-TYPE-005",
            f"{fleet.path}.ultraserver_count",
            f"{fleet.spec.ultraserver_count}: {fleet.spec.ultraserver_count} x {per} instances of "
            f"{fleet.ultraserver.name} is {fleet.instances}, more than the {MAX_FLEET_INSTANCES} one fleet may "
            f"hold; use at most {MAX_FLEET_INSTANCES // per} UltraServers per fleet",
        )
    ]
