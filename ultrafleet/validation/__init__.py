"""Validate a parsed spec against the catalog and AWS's rules. Returns findings; imports no CDK."""

from __future__ import annotations

from ultrafleet.findings import Finding, Level, SpecError, error
from ultrafleet.planning.fleets import ResolvedFleet, resolve
from ultrafleet.spec.models import Spec
from ultrafleet.validation import (
    ami,
    bucket_name,
    capacity,
    certificate,
    efa,
    fleet_size,
    fleet_type,
    inference,
    listener_rules,
    mount_paths,
    network,
    pipeline,
    placement,
    scheduler,
    spread,
    stack_quotas,
    storage,
    tags,
    warm_pool,
    zones,
)
from ultrafleet.validation import workload as workload_check
from ultrafleet.validation.governance import check as check_governance
from ultrafleet.validation.lifecycle import check as check_lifecycle


def _duplicate_names(spec: Spec) -> list[Finding]:
    seen: set[str] = set()
    out = []
    for i, fleet in enumerate(spec.fleets):
        if fleet.name in seen:
            out.append(
                error(
                    "UF-SPEC-010",
                    f"fleets[{i}].name",
                    f"'{fleet.name}' is used by an earlier fleet; fleet names must be unique",
                )
            )
        seen.add(fleet.name)
    return out


def validate(spec: Spec) -> list[Finding]:
    """Every finding for the spec, errors and warnings, in spec order."""
    findings = _duplicate_names(spec) + pipeline.check(spec) + zones.check(spec) + tags.check(spec)
    findings += bucket_name.check(spec) + certificate.check(spec) + mount_paths.check(spec)
    findings += check_governance(spec)
    resolved: list[ResolvedFleet] = []
    for i, fleet in enumerate(spec.fleets):
        type_findings = fleet_type.check(fleet, f"fleets[{i}]")
        findings += type_findings
        if type_findings:
            continue
        rf = resolve(spec, i)
        resolved.append(rf)
        findings += efa.check(rf) + capacity.check(rf) + placement.check(spec, rf) + ami.check(rf)
        findings += fleet_size.check(rf) + spread.check(rf) + warm_pool.check(rf) + listener_rules.check(rf)
    if not any(f.level is Level.ERROR for f in findings):
        findings += network.check(spec, resolved) + storage.check(spec, resolved) + inference.check(spec, resolved)
        findings += check_lifecycle(spec, resolved)
        findings += scheduler.check(spec, resolved)
        findings += stack_quotas.check(spec, resolved)
    findings += workload_check.check(spec)
    return findings


def check(spec: Spec) -> list[Finding]:
    """Validate; raise SpecError when any finding is an error, else return the warnings."""
    findings = validate(spec)
    if any(f.level is Level.ERROR for f in findings):
        raise SpecError(findings)
    return findings
