"""A spec file checked as the CLI checks it: read, parsed (one environment when named), validated, with the
environment's own fields named under ``environments.<name>``, the bucket names its environments share, and, for
an account, the zone lookup the offline synth needs (cdk.json context, passed in)."""

from __future__ import annotations

from pathlib import Path

from ultrafleet.findings import Finding, Level, SpecError
from ultrafleet.planning.deployment_plan import DeploymentPlan
from ultrafleet.spec import parse_spec, read_spec_data
from ultrafleet.spec.models import Spec
from ultrafleet.validation import bucket_name, validate_and_plan, zones
from ultrafleet.validation.environment_paths import relocate


def check_file(
    path: Path, environment: str | None = None, *, zone_lookups: zones.ZoneLookups | None = None
) -> tuple[Spec, list[Finding]]:
    """The spec and its warnings; raises SpecError with every finding when any is an error. ``zone_lookups`` is
    cdk.json's context (None: not checked)."""
    deployment, warnings = plan_file(path, environment, zone_lookups=zone_lookups)
    return deployment.spec, warnings


def plan_file(
    path: Path, environment: str | None = None, *, zone_lookups: zones.ZoneLookups | None = None
) -> tuple[DeploymentPlan, list[Finding]]:
    """``check_file``'s checks, returning the plan they checked (computed once) with the warnings."""
    data = read_spec_data(path)
    spec = parse_spec(data, environment)
    findings, deployment = validate_and_plan(spec)
    if zone_lookups is not None:
        findings += zones.check_lookups(spec, zone_lookups)
    if environment is not None:
        findings = relocate(findings, data, environment)
    findings += bucket_name.check_environments(data)
    if deployment is None or any(f.level is Level.ERROR for f in findings):
        raise SpecError(findings)
    return deployment, findings
