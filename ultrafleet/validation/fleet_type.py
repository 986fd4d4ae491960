"""A fleet names exactly one known instance type or UltraServer type, with a size."""

from __future__ import annotations

from ultrafleet import catalog
from ultrafleet.findings import Finding, error
from ultrafleet.spec.models import Fleet


def _unknown(path: str, value: str, known: list[str], what: str) -> Finding:
    hint = catalog.suggest(value, known)
    fix = f"did you mean '{hint}'?" if hint else "use one of: " + ", ".join(known)
    return error("UF-TYPE-001", path, f"'{value}' is not a known {what}; {fix}")


def check(fleet: Fleet, path: str) -> list[Finding]:
    if bool(fleet.instance_type) == bool(fleet.ultraserver_type):
        return [
            error(
                "UF-TYPE-002",
                path,
                "set exactly one of instance_type (with count) or ultraserver_type (with ultraserver_count)",
            )
        ]
    if fleet.ultraserver_type:
        known = sorted(catalog.ultraserver_types())
        if fleet.ultraserver_type not in known:
            return [_unknown(f"{path}.ultraserver_type", fleet.ultraserver_type, known, "UltraServer type")]
        if fleet.count is not None:
            return [
                error(
                    "UF-TYPE-003",
                    f"{path}.count",
                    f"{fleet.count}: an UltraServer fleet is sized in "
                    "whole UltraServers; remove count and set ultraserver_count",
                )
            ]
        return []
    known = sorted(catalog.instance_types())
    if fleet.instance_type not in known:
        return [_unknown(f"{path}.instance_type", fleet.instance_type or "", known, "instance type")]
    if fleet.count is None:
        return [error("UF-TYPE-004", f"{path}.count", "is required with instance_type (1 or more instances)")]
    if fleet.ultraserver_count is not None:
        return [error("UF-TYPE-003", f"{path}.ultraserver_count", "only applies with ultraserver_type; remove it")]
    return []
