"""UF-R005: every EBS volume a launch template creates is encrypted."""

from __future__ import annotations

from typing import Any

from ultrafleet.rules.base import App, Compliance, Rule


def check(stack: str, logical_id: str, resource: dict[str, Any], app: App) -> Compliance:
    if resource["Type"] != "AWS::EC2::LaunchTemplate":
        return Compliance.NOT_APPLICABLE
    volumes = [
        m["Ebs"] for m in resource["Properties"]["LaunchTemplateData"].get("BlockDeviceMappings", []) if "Ebs" in m
    ]
    if not volumes:
        return Compliance.NOT_APPLICABLE
    return Compliance.COMPLIANT if all(v.get("Encrypted") is True for v in volumes) else Compliance.NON_COMPLIANT


RULE = Rule(id="UF-R005", description="Launch template EBS volumes are encrypted", check=check)
