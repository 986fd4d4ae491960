"""UF-R003: no network interface of a launch template asks for a public IP (EFA traffic never leaves the VPC)."""

from __future__ import annotations

from typing import Any

from ultrafleet.rules.base import App, Compliance, Rule


def check(stack: str, logical_id: str, resource: dict[str, Any], app: App) -> Compliance:
    if resource["Type"] != "AWS::EC2::LaunchTemplate":
        return Compliance.NOT_APPLICABLE
    interfaces = resource["Properties"]["LaunchTemplateData"].get("NetworkInterfaces", [])
    public = [i for i in interfaces if i.get("AssociatePublicIpAddress") is not False]
    return Compliance.NON_COMPLIANT if public else Compliance.COMPLIANT


RULE = Rule(
    id="UF-R003", description="Every launch template interface sets AssociatePublicIpAddress: false", check=check
)
