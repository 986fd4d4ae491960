"""The plan as data (for --json) and as rich tables (for people)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ultrafleet.findings import Finding
from ultrafleet.planning.checkpoint import CheckpointPlan
from ultrafleet.planning.deployment_plan import DeploymentPlan
from ultrafleet.planning.efa_layout import Interface
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.lustre import LustrePlan


def _capacity(fleet: ResolvedFleet) -> str:
    cap = fleet.spec.capacity
    rid = getattr(cap, "reservation_id", None)
    return f"{cap.type} {rid}" if rid else cap.type


def _layout_summary(layout: tuple[Interface, ...]) -> str:
    """Run-length text: 'card 0 d0 interface; card 0 d1 efa-only; cards 1-31 d0 efa-only'."""
    parts = []
    for (device, kind), group in groupby(layout, key=lambda i: (i.device, i.kind)):
        cards = [i.card for i in group]
        where = f"card {cards[0]}" if len(cards) == 1 else f"cards {cards[0]}-{cards[-1]}"
        parts.append(f"{where} d{device} {kind}")
    return "; ".join(parts)


def fleet_data(fleet: ResolvedFleet) -> dict[str, Any]:
    itype = fleet.instance_type
    acc = itype.accelerators
    return {
        "name": fleet.spec.name,
        "role": fleet.spec.role.value,
        "instance_type": itype.name,
        "ultraserver_type": fleet.ultraserver.name if fleet.ultraserver else None,
        "instances": fleet.instances,
        "accelerator_model": acc.model if acc else None,
        "accelerators": fleet.accelerators,
        "availability_zones": list(fleet.availability_zones),
        "placement_strategy": fleet.placement_strategy.value if fleet.placement_strategy else None,
        "capacity": fleet.spec.capacity.model_dump(mode="json", exclude_none=True),
        "efa": fleet.efa,
        "efa_interfaces": fleet.efa_interfaces,
        "efa_interfaces_max": itype.max_efa_interfaces,
        "efa_bandwidth_gbps": fleet.efa_bandwidth_gbps,
        "efa_bandwidth_max_gbps": itype.efa_bandwidth_gbps,
        "network_performance": itype.network_performance,
        "ip_addresses_per_instance": fleet.ip_addresses_per_instance,
        "interfaces": [{"card": i.card, "device": i.device, "type": i.kind} for i in fleet.layout],
        "nvme_gb_per_instance": itype.nvme.total_gb if itype.nvme else 0,
        **_bandwidth_data(fleet),
        **_domain_data(fleet),
    }


def _bandwidth_data(fleet: ResolvedFleet) -> dict[str, Any]:
    """EFA figures are AWS's published EFA bandwidth; ENA figures are the cards' ENA baselines."""
    return {
        "efa_bandwidth_basis": "AWS's published EFA bandwidth for the type, in the share of EFA cards used",
        "ena_bandwidth_gbps": fleet.ena_bandwidth_gbps,
        "ena_bandwidth_max_gbps": fleet.instance_type.ena_bandwidth_gbps,
    }


def _domain_data(fleet: ResolvedFleet) -> dict[str, Any]:
    """An UltraServer fleet's accelerator domains (one NVLink or NeuronLink domain per UltraServer)."""
    us, acc = fleet.ultraserver, fleet.instance_type.accelerators
    if not us:
        return {"ultraserver_domains": None, "instances_per_domain": None, "accelerators_per_domain": None}
    return {
        "ultraserver_domains": fleet.instances // us.instances,
        "instances_per_domain": us.instances,
        "accelerators_per_domain": us.instances * acc.count if acc else 0,
    }


def checkpoint_data(plan: CheckpointPlan) -> dict[str, Any]:
    return {
        "checkpoint_size_gb": plan.checkpoint_size_gb,
        "size_explanation": plan.size_explanation,
        "target_seconds": plan.target_seconds,
        "first_tier": plan.first_tier,
        "meets_target": plan.meets_target,
        "suggestion": plan.suggestion,
        "tiers": {
            t.tier: {
                "bandwidth_gb_s": t.bandwidth_gb_s,
                "write_seconds": t.write_seconds,
                "explanation": t.explanation,
                "binding_limit": t.binding_limit,
                "limits": [{"name": x.name, "gb_s": x.gb_s, "source": x.source} for x in t.limits],
            }
            for t in plan.tiers
        },
        "gpu_wait_seconds": plan.gpu_wait_seconds,
        "durable_seconds": plan.durable_seconds,
        "durable_explanation": plan.durable_explanation,
    }


def plan_data(deployment: DeploymentPlan, warnings: list[Finding]) -> dict:
    spec, subnets = deployment.spec, deployment.subnets
    return {
        "spec": spec.name,
        "region": spec.region,
        "fleets": [
            fleet_data(f.fleet) | {"checkpoint": checkpoint_data(f.checkpoint) if f.checkpoint else None}
            for f in deployment.fleets
        ],
        "network": {
            "vpc_cidr": str(spec.network.existing_vpc.cidr if spec.network.existing_vpc else spec.network.vpc_cidr),
            "private_subnet_prefix": subnets.private_prefix,
            "ip_addresses_needed_per_az": subnets.ips_needed_per_az,
        },
        "lustre": _lustre_data(deployment.lustre),
        "warnings": [str(w) for w in warnings],
    }


def _lustre_data(lustre: LustrePlan | None) -> dict[str, Any] | None:
    """The file system as it will be created: its zone and its throughput with the default applied."""
    if lustre is None:
        return None
    return {
        "zone": lustre.zone,
        "deployment_type": lustre.settings.deployment_type,
        "storage_capacity_gib": lustre.settings.storage_capacity_gib,
        "throughput_mb_s_per_tib": lustre.throughput_mb_s_per_tib,
    }


def print_findings(console: Console, findings: list[Finding]) -> None:
    """One line per finding, never wrapped, so it can be grepped and pasted; the path and message are escaped
    (they quote the user's text, and a bracket in it would be read as console markup)."""
    for f in findings:
        style = "red" if f.level.value == "error" else "yellow"
        line = f"[{style}]{f.level.value}[/] {f.code} [bold]{escape(f.path)}[/]: {escape(f.message)}"
        console.print(line, highlight=False, soft_wrap=True)


def print_interfaces(console: Console, data: dict) -> None:
    """One table per fleet: every interface's card, device and type."""
    for f in data["fleets"]:
        console.print(
            f"{f['name']}: {f['instance_type']} interfaces "
            f"(EFA {f['efa_bandwidth_gbps']:g} of {f['efa_bandwidth_max_gbps']:g} Gbps; "
            f"ENA {_gbps(f['ena_bandwidth_gbps'])})",
            highlight=False,
        )
        table = Table()
        for col in ("card", "device", "type"):
            table.add_column(col)
        for i in f["interfaces"]:
            table.add_row(str(i["card"]), str(i["device"]), i["type"])
        console.print(table)


def _gbps(value: float | None) -> str:
    return "unknown" if value is None else f"{value:g} Gbps"


def print_plan(console: Console, data: dict) -> None:
    table = Table(title=f"ultrafleet plan: {data['spec']} ({data['region']})")
    for col in (
        "fleet",
        "role",
        "type",
        "instances",
        "accelerators",
        "EFA",
        "EFA Gbps",
        "ENA Gbps",
        "NVMe/node",
        "capacity",
        "placement",
        "zones",
    ):
        table.add_column(col)
    for f in data["fleets"]:
        instances = str(f["instances"])
        if f["ultraserver_type"]:
            instances += f" ({f['ultraserver_type']})"
        acc = f"{f['accelerators']} x {f['accelerator_model']}" if f["accelerator_model"] else "-"
        efa = f"{f['efa_interfaces']}/{f['efa_interfaces_max']}" if f["efa"] else "off"
        gbps = f"{f['efa_bandwidth_gbps']:g}/{f['efa_bandwidth_max_gbps']:g}" if f["efa"] else "-"
        nvme = f"{f['nvme_gb_per_instance']:,} GB" if f["nvme_gb_per_instance"] else "none"
        cap = f["capacity"]
        capacity = cap["type"] + (f" {cap['reservation_id']}" if "reservation_id" in cap else "")
        table.add_row(
            f["name"],
            f["role"],
            f["instance_type"],
            instances,
            acc,
            efa,
            gbps,
            "unknown" if f["ena_bandwidth_gbps"] is None else f"{f['ena_bandwidth_gbps']:g}",
            nvme,
            capacity,
            f["placement_strategy"] or "none",
            ", ".join(f["availability_zones"]),
        )
    console.print(table)
    for f in data["fleets"]:
        layout = _layout_summary(
            tuple(Interface(card=i["card"], device=i["device"], kind=i["type"]) for i in f["interfaces"])
        )
        console.print(f"  {f['name']} interfaces: {layout}", highlight=False)
    for f in data["fleets"]:
        if f["ultraserver_domains"]:
            console.print(
                f"  {f['name']} UltraServer domains: {f['ultraserver_domains']} x {f['ultraserver_type']}, "
                f"{f['instances_per_domain']} instances and {f['accelerators_per_domain']} {f['accelerator_model']} "
                "per domain",
                highlight=False,
            )
    console.print(
        "  EFA Gbps: AWS's published EFA bandwidth (reached/max); ENA Gbps: the ENA cards' baselines", highlight=False
    )
    net = data["network"]
    console.print(
        f"  network: VPC {net['vpc_cidr']}, private subnets /{net['private_subnet_prefix']}, "
        f"ENA addresses needed per zone: {net['ip_addresses_needed_per_az']}",
        highlight=False,
    )


def _seconds(value: float | None) -> str:
    return "unknown" if value is None else f"{value:,.0f} s"


def print_checkpoints(console: Console, data: dict) -> None:
    """Per training fleet: checkpoint size, each tier's bandwidth and write time, the target verdict."""
    plans = [(f["name"], f["checkpoint"]) for f in data["fleets"] if f["checkpoint"]]
    if not plans:
        return
    table = Table(title="checkpoint tier")
    for col in ("fleet", "tier", "GB/s", "write", "binding limit and source"):
        table.add_column(col)
    for name, plan in plans:
        for tier, t in plan["tiers"].items():
            gb_s = "unknown" if t["bandwidth_gb_s"] is None else f"{t['bandwidth_gb_s']:,.1f}"
            table.add_row(name, tier, gb_s, _seconds(t["write_seconds"]), t["explanation"])
    console.print(table)
    for name, plan in plans:
        verdict = {True: "meets", False: "MISSES", None: "cannot check"}[plan["meets_target"]]
        first = plan["tiers"][plan["first_tier"]]["write_seconds"]
        line = (
            f"  {name}: {plan['size_explanation']}; first tier {plan['first_tier']} {_seconds(first)} "
            f"{verdict} the {plan['target_seconds']} s target"
        )
        if plan["suggestion"]:
            line += f"; {plan['suggestion']}"
        console.print(line, highlight=False, soft_wrap=True)
        first_tier = plan["tiers"][plan["first_tier"]]
        bound = any(x["source"].startswith("upper bound") for x in first_tier["limits"] if x["gb_s"] is not None)
        console.print(
            f"  {name}: GPUs wait {_seconds(plan['gpu_wait_seconds'])}"
            f"{' (an upper bound until the upload speed is measured)' if bound else ''}; durable after "
            f"{_seconds(plan['durable_seconds'])} ({plan['durable_explanation']})",
            highlight=False,
            soft_wrap=True,
        )
