"""An explicit AMI must say its architecture, and it must match the instance type's."""

from __future__ import annotations

from ultrafleet.findings import Finding, error
from ultrafleet.planning.fleets import ResolvedFleet


def check(fleet: ResolvedFleet) -> list[Finding]:
    ami = fleet.spec.ami
    path = f"{fleet.path}.ami"
    if ami.id is None:
        if ami.architecture is not None:
            return [
                error(
                    "UF-AMI-001",
                    f"{path}.architecture",
                    "only applies with ami.id; the DLAMI is chosen for the instance type's architecture; remove it",
                )
            ]
        return []
    if ami.architecture is None:
        return [
            error(
                "UF-AMI-002",
                f"{path}.architecture",
                f"is required with ami.id ({ami.id}): set "
                f"{fleet.instance_type.architecture} for {fleet.instance_type.name}",
            )
        ]
    if ami.architecture != fleet.instance_type.architecture:
        return [
            error(
                "UF-AMI-003",
                f"{path}.architecture",
                f"{ami.architecture}: {fleet.instance_type.name} is "
                f"{fleet.instance_type.architecture}; use an {fleet.instance_type.architecture} AMI",
            )
        ]
    return []
