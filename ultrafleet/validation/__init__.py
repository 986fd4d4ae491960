"""Validate a parsed spec against the catalog and AWS's rules. Returns findings; imports no CDK."""

from __future__ import annotations

from ultrafleet.findings import Finding, Level, SpecError, error
from ultrafleet.planning.deployment_plan import DeploymentPlan, plan
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


def _fleet_checks(spec: Spec, rf: ResolvedFleet) -> list[Finding]:
    findings = efa.check(rf) + capacity.check(rf) + placement.check(spec, rf) + ami.check(rf)
    return findings + fleet_size.check(rf) + spread.check(rf) + warm_pool.check(rf) + listener_rules.check(rf)


def _plan_checks(spec: Spec, deployment: DeploymentPlan) -> list[Finding]:
    """The checks across fleets, on the plan (run once every fleet passed its own checks)."""
    resolved = deployment.resolved_fleets
    findings = network.check(spec, resolved, deployment.subnets) + storage.check(spec, resolved)
    findings += inference.check(spec, resolved)
    findings += check_lifecycle(resolved, deployment.lifecycles)
    findings += scheduler.check(spec, resolved)
    findings += stack_quotas.check(spec, resolved, deployment.stack_counts)
    return findings


def validate_and_plan(spec: Spec) -> tuple[list[Finding], DeploymentPlan | None]:
    """Every finding for the spec, errors and warnings, in spec order; and its plan, computed once (None when a
    fleet's type is unknown: nothing can be planned)."""
    findings = _duplicate_names(spec) + pipeline.check(spec) + zones.check(spec) + tags.check(spec)
    findings += bucket_name.check(spec) + certificate.check(spec) + mount_paths.check(spec)
    findings += check_governance(spec)
    type_findings = [fleet_type.check(fleet, f"fleets[{i}]") for i, fleet in enumerate(spec.fleets)]
    deployment = None if any(type_findings) else plan(spec)
    for i, own in enumerate(type_findings):
        findings += own
        if not own:  # without a plan (another fleet's type is unknown) the fleet is still checked on its own
            findings += _fleet_checks(spec, deployment.fleets[i].fleet if deployment else resolve(spec, i))
    if deployment and not any(f.level is Level.ERROR for f in findings):
        findings += _plan_checks(spec, deployment)
    findings += workload_check.check(spec)
    return findings, deployment


def validate(spec: Spec) -> list[Finding]:
    """Every finding for the spec, errors and warnings, in spec order."""
    return validate_and_plan(spec)[0]


def checked_plan(spec: Spec) -> tuple[DeploymentPlan, list[Finding]]:
    """The spec's plan and its warnings; raise SpecError when any finding is an error."""
    findings, deployment = validate_and_plan(spec)
    if deployment is None or any(f.level is Level.ERROR for f in findings):
        raise SpecError(findings)
    return deployment, findings


def check(spec: Spec) -> list[Finding]:
    """Validate; raise SpecError when any finding is an error, else return the warnings."""
    return checked_plan(spec)[1]
