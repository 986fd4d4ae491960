"""FSx for Lustre over EFA, as AWS documents it (FSx for Lustre User Guide, "Working with EFA-enabled file
systems", efa-file-systems.html): EFA is supported on PERSISTENT_2 file systems with a metadata configuration,
set at creation only; AWS recommends it above 10 GBps of throughput capacity; clients reach it over EFA from
Nitro v4 or later instances that support EFA, excluding the trn2 family (others fall back to ENA)."""

from __future__ import annotations

from ultrafleet.findings import Finding, error, warning
from ultrafleet.planning.checkpoint import lustre_gb_s
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import Role, Spec

EFA_RECOMMENDED_GB_S = 10
NO_EFA_CLIENT_FAMILIES = ("trn2",)


def check(spec: Spec, fleets: list[ResolvedFleet]) -> list[Finding]:
    lustre = spec.storage.lustre
    if lustre is None or not lustre.efa:
        return []
    path = "storage.lustre.efa"
    if lustre.deployment_type != "PERSISTENT_2":
        return [
            error(
                "UF-STO-011",
                path,
                f"true: FSx for Lustre supports EFA only on PERSISTENT_2 file systems, not {lustre.deployment_type}; "
                "set storage.lustre.deployment_type to PERSISTENT_2 or remove efa",
            )
        ]
    out = []
    gb_s, text = lustre_gb_s(lustre)
    if gb_s < EFA_RECOMMENDED_GB_S:
        out.append(
            warning(
                "UF-STO-014",
                path,
                f"true on {text}: AWS recommends EFA for file systems above {EFA_RECOMMENDED_GB_S} GBps; "
                "an EFA file system's throughput tier cannot be changed later",
            )
        )
    for f in fleets:
        family = f.instance_type.name.split(".")[0]
        if f.spec.role is Role.TRAINING and (not f.efa or family in NO_EFA_CLIENT_FAMILIES):
            out.append(
                warning(
                    "UF-STO-015",
                    path,
                    f"fleet {f.spec.name} ({f.instance_type.name}) cannot reach Lustre over EFA "
                    f"({'trn2 is not supported' if family in NO_EFA_CLIENT_FAMILIES else 'the fleet has no EFA'}); "
                    "it mounts over TCP",
                )
            )
    return out
