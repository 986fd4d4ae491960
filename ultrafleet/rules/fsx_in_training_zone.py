"""UF-R006: FSx for Lustre sits in a zone where a training fleet runs (cross-zone Lustre adds latency and
inter-zone data charges to every checkpoint)."""

from __future__ import annotations

from typing import Any

from ultrafleet.rules.base import App, Compliance, Rule


def _zone(app: App, stack: str, subnet: Any) -> str | None:
    ref = app.referenced(stack, subnet)
    return ref[2]["Properties"].get("AvailabilityZone") if ref and ref[2]["Type"] == "AWS::EC2::Subnet" else None


def _training_zones(app: App) -> set[str]:
    zones = set()
    for stack, _, res in app.resources():
        if res["Type"] != "AWS::AutoScaling::AutoScalingGroup":
            continue
        tags = {t["Key"]: t["Value"] for t in res["Properties"].get("Tags", [])}
        if tags.get("ultrafleet:role") == "training":
            zones |= {z for s in res["Properties"].get("VPCZoneIdentifier", []) if (z := _zone(app, stack, s))}
    return zones


def check(stack: str, logical_id: str, resource: dict[str, Any], app: App) -> Compliance:
    if resource["Type"] != "AWS::FSx::FileSystem":
        return Compliance.NOT_APPLICABLE
    zones = {_zone(app, stack, s) for s in resource["Properties"].get("SubnetIds", [])}
    training = _training_zones(app)
    if not training:
        return Compliance.NOT_APPLICABLE
    return Compliance.COMPLIANT if zones & training else Compliance.NON_COMPLIANT


RULE = Rule(id="UF-R006", description="FSx for Lustre is in a training fleet's zone", check=check)
