"""UF-R001: a launch template with EFA interfaces carries a security group that allows all traffic from itself
and to itself (AWS EC2 User Guide, efa-start.html); without the outbound rule NCCL hangs."""

from __future__ import annotations

from typing import Any

from ultrafleet.rules.base import App, Compliance, Rule


def _self_rules(app: App, stack: str, group_id: str) -> set[str]:
    """Which directions ('in', 'out') the group allows all traffic with itself."""
    found = set()
    for s, _, res in app.resources():
        if s != stack or res["Type"] not in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            continue
        p = res["Properties"]
        peer = p.get("SourceSecurityGroupId") or p.get("DestinationSecurityGroupId")
        target = app.referenced(stack, p.get("GroupId"))
        other = app.referenced(stack, peer)
        if target and other and target[1] == group_id == other[1] and str(p.get("IpProtocol")) == "-1":
            found.add("in" if res["Type"].endswith("Ingress") else "out")
    return found


def check(stack: str, logical_id: str, resource: dict[str, Any], app: App) -> Compliance:
    if resource["Type"] != "AWS::EC2::LaunchTemplate":
        return Compliance.NOT_APPLICABLE
    interfaces = resource["Properties"]["LaunchTemplateData"].get("NetworkInterfaces", [])
    efa = [i for i in interfaces if i.get("InterfaceType") in ("efa", "efa-only")]
    if not efa:
        return Compliance.NOT_APPLICABLE
    for group in efa[0].get("Groups", []):
        ref = app.referenced(stack, group)
        if ref and _self_rules(app, ref[0], ref[1]) == {"in", "out"}:
            return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT


RULE = Rule(
    id="UF-R001", description="EFA interfaces carry a group allowing all traffic with itself, both ways", check=check
)
