"""UF-R019: in a stack whose template declares landing-zone guardrails (Metadata ``UltrafleetGovernance``, written
from the spec's ``governance`` section), every IAM role carries the permissions boundary and a name with the prefix
that IAM accepts (at most 64 characters)."""

from __future__ import annotations

from typing import Any

from ultrafleet.rules.base import App, Compliance, Rule

METADATA_KEY = "UltrafleetGovernance"
ROLE_NAME_MAX = 64
"""IAM User Guide, reference_iam-quotas.html: role names are at most 64 characters."""


def check(stack: str, logical_id: str, resource: dict[str, Any], app: App) -> Compliance:
    if resource["Type"] != "AWS::IAM::Role":
        return Compliance.NOT_APPLICABLE
    wanted = app.templates[stack].get("Metadata", {}).get(METADATA_KEY)
    if not wanted:
        return Compliance.NOT_APPLICABLE
    props = resource.get("Properties", {})
    if "PermissionsBoundary" in wanted and props.get("PermissionsBoundary") != wanted["PermissionsBoundary"]:
        return Compliance.NON_COMPLIANT
    if "RoleNamePrefix" in wanted:
        name = props.get("RoleName")
        if not isinstance(name, str) or not name.startswith(wanted["RoleNamePrefix"]) or len(name) > ROLE_NAME_MAX:
            return Compliance.NON_COMPLIANT
    return Compliance.COMPLIANT


RULE = Rule(
    id="UF-R019",
    description="IAM roles carry the spec's permissions boundary and role-name prefix (governance section)",
    check=check,
)
