"""The node lifecycle part of ``ultrafleet plan``: group size with spares, what the boot gate expects, the
termination hook's heartbeat and the Capacity Block schedule."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from ultrafleet.planning.node_lifecycle import NodeLifecycle, global_timeout_seconds


def _time(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def lifecycle_data(plans: list[NodeLifecycle]) -> dict[str, Any]:
    """By fleet name, JSON-ready."""
    out = {}
    for p in plans:
        term = p.termination
        block = p.capacity_block
        out[p.fleet] = {
            "group_size": p.group_size,
            "spares": p.spares,
            "gate": {
                "gpus": p.gate.gpus,
                "neuron_devices": p.gate.neuron_devices,
                "efa_devices": p.gate.efa_devices,
                "fabric_manager": p.gate.fabric_manager,
            },
            "termination": {
                "heartbeat_seconds": term.heartbeat_seconds,
                "drain_seconds": term.drain_seconds,
                "longest_wait_seconds": global_timeout_seconds(term.heartbeat_seconds),
                "explanation": term.explanation,
            }
            if term
            else None,
            "capacity_block": {
                "scale_out_at": _time(block.scale_out_at),
                "scale_in_at": _time(block.scale_in_at),
                "warning_lead_seconds": block.warning_lead_seconds,
            }
            if block
            else None,
        }
    return out


def print_lifecycle(console: Console, data: dict) -> None:
    """One row per fleet, then one line per Capacity Block fleet."""
    plans = data.get("lifecycle") or {}
    if not plans:
        return
    table = Table(title="node lifecycle")
    for col in ("fleet", "group", "boot gate", "termination hook"):
        table.add_column(col)
    for name, p in plans.items():
        gate = p["gate"]
        checks = [f"{gate['gpus']} GPUs"] if gate["gpus"] else []
        checks += [f"{gate['neuron_devices']} Neuron devices"] if gate["neuron_devices"] else []
        checks += [f"{gate['efa_devices']} EFA devices"] if gate["efa_devices"] else []
        checks += ["fabric manager"] if gate["fabric_manager"] else []
        group = f"{p['group_size']}" + (
            f" ({p['spares']} hot spare{'s' if p['spares'] > 1 else ''})" if p["spares"] else ""
        )
        term = p["termination"]
        hook = f"heartbeat {term['explanation']}" if term else "none (not a training fleet with an NVMe cache)"
        table.add_row(name, group, ", ".join([*checks, "health.d"]), hook)
    console.print(table)
    for name, p in plans.items():
        block = p["capacity_block"]
        if not block:
            continue
        line = (
            f"  {name}: Capacity Block events resize the group ({p['group_size']} on delivery, 0 on the warning, "
            f"{block['warning_lead_seconds']} s before EC2 begins terminating)"
        )
        if block["scale_out_at"]:
            line += f"; scheduled: {p['group_size']} at {block['scale_out_at']}, 0 at {block['scale_in_at']}"
        console.print(line, highlight=False, soft_wrap=True)
