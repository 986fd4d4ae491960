"""How a fleet is bought: Spot only for inference; UltraServers and Capacity Blocks within their limits."""

from __future__ import annotations

from ultrafleet import catalog
from ultrafleet.findings import Finding, error
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import Role


def check(fleet: ResolvedFleet) -> list[Finding]:
    spec, itype = fleet.spec, fleet.instance_type
    kind = spec.capacity.type
    path = f"{fleet.path}.capacity.type"
    out: list[Finding] = []
    if kind == "spot" and spec.role is Role.TRAINING:
        out.append(
            error(
                "UF-CAP-001",
                path,
                "spot: Spot is for inference fleets only (an interruption stops a "
                "whole training job); use on-demand, capacity-reservation or capacity-block",
            )
        )
    if fleet.ultraserver and kind != "capacity-block":
        out.append(
            error(
                "UF-CAP-002",
                path,
                f"{kind}: UltraServers ({fleet.ultraserver.name}) are sold only as "
                "Capacity Blocks; use capacity-block with the block's reservation_id",
            )
        )
    if itype.ultraserver_only and not fleet.ultraserver:
        us = sorted(n for n, u in catalog.ultraserver_types().items() if u.instance_type == itype.name)
        out.append(
            error(
                "UF-CAP-003",
                f"{fleet.path}.instance_type",
                f"{itype.name} is sold only inside "
                f"UltraServers; set ultraserver_type ({' or '.join(us)}) and ultraserver_count",
            )
        )
    if kind == "capacity-block" and not itype.capacity_block:
        out.append(
            error(
                "UF-CAP-004",
                path,
                f"capacity-block: {itype.name} is not offered as a Capacity Block; "
                "use on-demand or capacity-reservation",
            )
        )
    limit = catalog.capacity_block_max_instances()
    if kind == "capacity-block" and not fleet.ultraserver and fleet.instances > limit:
        out.append(
            error(
                "UF-CAP-005",
                f"{fleet.path}.count",
                f"{fleet.instances}: a Capacity Block holds at most "
                f"{limit} instances; split the fleet across blocks (one fleet each)",
            )
        )
    return out
