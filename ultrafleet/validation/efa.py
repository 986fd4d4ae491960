"""EFA requested only where the type has it; warned when switched off where it does."""

from __future__ import annotations

from ultrafleet.findings import Finding, error, warning
from ultrafleet.planning.efa_layout import extra_ena_slots
from ultrafleet.planning.fleets import ResolvedFleet


def check(fleet: ResolvedFleet) -> list[Finding]:
    itype, spec = fleet.instance_type, fleet.spec
    out: list[Finding] = []
    if spec.efa and not itype.efa_supported:
        out.append(
            error(
                "UF-EFA-001",
                f"{fleet.path}.efa",
                f"true: {itype.name} has no EFA; set efa: false or "
                "choose an EFA type (e.g. g7e.8xlarge or larger, p5/p6, trn1/trn2)",
            )
        )
    if spec.efa is False and itype.efa_supported:
        out.append(
            warning(
                "UF-EFA-002",
                f"{fleet.path}.efa",
                f"false: {itype.name} supports "
                f"{itype.max_efa_interfaces} EFA interfaces; collective traffic will use TCP over ENA",
            )
        )
    cards = [c.index for c in extra_ena_slots(itype)]
    slots = len(cards)
    if spec.extra_ena_interfaces > slots:
        where = "cards 1 and up" if cards == list(range(1, slots + 1)) else f"cards {', '.join(map(str, cards))}"
        out.append(
            error(
                "UF-EFA-003",
                f"{fleet.path}.extra_ena_interfaces",
                f"{spec.extra_ena_interfaces}: "
                f"{itype.name} has room for {slots} extra ENA interfaces (device 1 of {where}); "
                f"use at most {slots}",
            )
        )
    if spec.efa_interface_type and not fleet.efa:
        out.append(
            error(
                "UF-EFA-004",
                f"{fleet.path}.efa_interface_type",
                f"{spec.efa_interface_type}: the fleet has no EFA (efa is off or the fleet spans zones); "
                "remove efa_interface_type or turn EFA on in one zone",
            )
        )
    return out
