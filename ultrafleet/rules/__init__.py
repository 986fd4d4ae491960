"""ultrafleet's own rule pack over synthesized templates, in the cdk-nag style: one pure rule per module, a pack
that chooses rules and levels, and acknowledgments that must carry a reason.

Acknowledge a finding in the resource's template Metadata: ``{"ultrafleet": {"acknowledged": {"UF-R007":
"why"}}}``; an empty reason is itself an error.
"""

from __future__ import annotations

import json
from pathlib import Path

from ultrafleet.deploy.assembly import assembly_stacks, template_file
from ultrafleet.findings import Finding, Level, error, warning
from ultrafleet.rules import (
    checkpoint_storage_retained,
    efa_count_matches_catalog,
    efa_group_self_referencing,
    encrypted_volumes,
    fsx_in_training_zone,
    imdsv2_required,
    no_public_ip,
    role_guardrails,
)
from ultrafleet.rules.base import App, Compliance, Rule

PACK: tuple[tuple[Rule, Level], ...] = (
    (efa_group_self_referencing.RULE, Level.ERROR),
    (imdsv2_required.RULE, Level.ERROR),
    (no_public_ip.RULE, Level.ERROR),
    (efa_count_matches_catalog.RULE, Level.ERROR),
    (encrypted_volumes.RULE, Level.ERROR),
    (fsx_in_training_zone.RULE, Level.WARNING),
    (checkpoint_storage_retained.RULE, Level.ERROR),
    (role_guardrails.RULE, Level.ERROR),
)


def run(app: App, pack: tuple[tuple[Rule, Level], ...] = PACK) -> list[Finding]:
    """Every finding of the pack over every resource; acknowledged ones are dropped if they give a reason."""
    findings = []
    for stack, lid, resource in app.resources():
        acknowledged = resource.get("Metadata", {}).get("ultrafleet", {}).get("acknowledged", {})
        for rule, level in pack:
            if rule.check(stack, lid, resource, app) is not Compliance.NON_COMPLIANT:
                continue
            where = f"{stack}/{lid}"
            if rule.id in acknowledged:
                if not str(acknowledged[rule.id]).strip():
                    findings.append(error(rule.id, where, "acknowledged without a reason; say why"))
                continue
            make = error if level is Level.ERROR else warning
            findings.append(make(rule.id, where, f"{resource['Type']}: {rule.description}"))
    return findings


def load_assembly(cdk_out: Path) -> App:
    return App(
        templates={k: json.loads(template_file(cdk_out, v).read_text()) for k, v in assembly_stacks(cdk_out).items()}
    )
