"""The effective network policy as data (``plan --json``'s ``network_policy``) and as text for people."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from ultrafleet.planning.network_policy import FleetPolicy, Flow, GroupPolicy


def _flow(flow: Flow) -> dict[str, Any]:
    return {
        "direction": flow.direction,
        "protocol": flow.protocol,
        "from_port": flow.from_port,
        "to_port": flow.to_port,
        "peer": flow.peer.value,
    }


def _group(group: GroupPolicy) -> dict[str, Any]:
    data = {"name": group.name, "flows": [_flow(f) for f in group.flows], "why": group.why, "source": group.source}
    if group.existing_group_id:  # a group ultrafleet attaches but does not create: its rules are AWS's, not ours
        data["existing_group_id"] = group.existing_group_id
    return data


def network_policy_data(policies: list[FleetPolicy]) -> dict[str, Any]:
    """{fleet: {flows, groups, interfaces}}; ``flows`` is what every interface allows (its groups' union)."""
    return {
        p.fleet: {
            "flows": [_flow(f) for f in p.flows],
            "groups": [_group(g) for g in p.groups],
            "interfaces": [
                {"card": i.card, "device": i.device, "type": i.kind, "groups": [g.name for g in p.groups]}
                for i in p.interfaces
            ],
        }
        for p in policies
    }


def print_network_policy(console: Console, data: dict[str, Any]) -> None:
    """Per fleet: the groups on its interfaces, then each allowed flow and the group that allows it."""
    for fleet, policy in data.items():
        groups = ", ".join(g["name"] for g in policy["groups"])
        count = len(policy["interfaces"])
        console.print(
            f"  {fleet} network policy ({count} interface{'s' if count != 1 else ''}, each with groups {groups}):",
            highlight=False,
        )
        for group in policy["groups"]:
            for f in group["flows"]:
                ports = (
                    ""
                    if f["protocol"] == "all"
                    else f" {f['from_port']}" + (f"-{f['to_port']}" if f["to_port"] != f["from_port"] else "")
                )
                way = "from" if f["direction"] == "inbound" else "to"
                console.print(
                    f"    {f['direction']:<8} {f['protocol']}{ports} {way} {f['peer']} ({group['name']})",
                    highlight=False,
                )
