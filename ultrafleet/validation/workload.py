"""The workload section names fleets of the spec in the right role, and its route shares add up to 1."""

from __future__ import annotations

import difflib

from ultrafleet.findings import Finding, error
from ultrafleet.spec.models import Role, Spec


def _fleet(spec: Spec, name: str, role: Role, path: str, what: str) -> list[Finding]:
    fleets = {f.name: f for f in spec.fleets}
    if name not in fleets:
        near = difflib.get_close_matches(name, list(fleets), n=1)
        hint = f"did you mean '{near[0]}'? " if near else ""
        names = ", ".join(f.name for f in spec.fleets if f.role is role) or "none"
        return [
            error(
                "UF-WORK-001",
                path,
                f"'{name}' is not a fleet of the spec; {hint}use one of the {role.value} fleets: {names}",
            )
        ]
    if fleets[name].role is not role:
        article = "an" if role is Role.INFERENCE else "a"
        return [
            error(
                "UF-WORK-002",
                path,
                f"'{name}' is a {fleets[name].role.value} fleet; {what} name {article} {role.value} fleet",
            )
        ]
    return []


def check(spec: Spec) -> list[Finding]:
    work = spec.workload
    if work is None:
        return []
    findings: list[Finding] = []
    for i, run in enumerate(work.training):
        findings += _fleet(spec, run.fleet, Role.TRAINING, f"workload.training[{i}].fleet", "training runs")
    if work.inference:
        seen: set[str] = set()
        for i, route in enumerate(work.inference.routes):
            path = f"workload.inference.routes[{i}].fleet"
            findings += _fleet(spec, route.fleet, Role.INFERENCE, path, "routes")
            if route.fleet in seen:
                findings.append(
                    error(
                        "UF-WORK-003",
                        path,
                        f"'{route.fleet}' has a route already; give each "
                        "inference fleet one route with its whole share",
                    )
                )
            seen.add(route.fleet)
        total = sum(r.share for r in work.inference.routes)
        if abs(total - 1) > 1e-6:
            shares = " + ".join(f"{r.share:g}" for r in work.inference.routes)
            findings.append(
                error(
                    "UF-WORK-004",
                    "workload.inference.routes",
                    f"the shares add up to {total:g} ({shares}); make them add up to 1",
                )
            )
    return findings
