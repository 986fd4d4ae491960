"""UF-R002: launch templates require IMDSv2 (session tokens), so SSRF cannot read instance credentials."""

from __future__ import annotations

from typing import Any

from ultrafleet.rules.base import App, Compliance, Rule


def check(stack: str, logical_id: str, resource: dict[str, Any], app: App) -> Compliance:
    if resource["Type"] != "AWS::EC2::LaunchTemplate":
        return Compliance.NOT_APPLICABLE
    tokens = resource["Properties"]["LaunchTemplateData"].get("MetadataOptions", {}).get("HttpTokens")
    return Compliance.COMPLIANT if tokens == "required" else Compliance.NON_COMPLIANT


RULE = Rule(
    id="UF-R002", description="Launch templates require IMDSv2 (MetadataOptions.HttpTokens: required)", check=check
)
