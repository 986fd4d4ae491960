"""The scheduler part of ``ultrafleet plan``: what each fleet becomes in the cluster, and what the cluster must
already run for the nodes to be useful (listed, never installed)."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from ultrafleet.planning import scheduler as plan
from ultrafleet.planning.deployment_plan import DeploymentPlan, FleetPlan
from ultrafleet.spec.models import Spec


def _fleet(spec: Spec, planned: FleetPlan) -> dict[str, Any]:
    fleet = planned.fleet
    if not planned.scheduled:
        return {"fleet": fleet.spec.name, "becomes": "ultrafleet Auto Scaling group (scheduler: none)"}
    if eks := plan.eks(spec):
        return {
            "fleet": fleet.spec.name,
            "becomes": f"EKS managed node group {spec.name}-{fleet.spec.name}",
            "capacity_type": plan.eks_capacity_type(fleet.spec),
            "ami_type": plan.ami_type(fleet.instance_type),
            "taints": plan.node_taints(fleet, eks),
            "vpc_addresses_per_node": plan.cni_addresses_per_node(fleet, eks),
        }
    return {
        "fleet": fleet.spec.name,
        "becomes": f"AWS PCS compute node group {fleet.spec.name}",
        "purchase_option": plan.pcs_purchase_option(fleet.spec),
    }


def scheduler_data(deployment: DeploymentPlan) -> dict[str, Any] | None:
    """None without a scheduler section."""
    spec = deployment.spec
    if spec.scheduler is None:
        return None
    eks, pcs = plan.eks(spec), deployment.pcs
    components = plan.required_components(spec, deployment.resolved_fleets)
    return {
        "type": spec.scheduler.type,
        "cluster": eks.cluster_name if eks else pcs.cluster_id if pcs else None,
        "kubernetes_version": eks.kubernetes_version if eks else None,
        "queues": {q: list(members) for q, members in deployment.pcs_queues.items()} if pcs else None,
        "fleets": [_fleet(spec, f) for f in deployment.fleets],
        "cluster_must_run": [{"name": c.name, "why": c.why, "source": c.source} for c in components],
    }


def print_scheduler(console: Console, data: dict[str, Any] | None) -> None:
    if data is None:
        return
    version = f", Kubernetes {data['kubernetes_version']}" if data["kubernetes_version"] else ""
    console.print(f"  scheduler: {data['type']} cluster {data['cluster']}{version}", highlight=False)
    for f in data["fleets"]:
        extra = [f"{k}={v}" for k, v in f.items() if k not in ("fleet", "becomes", "taints")]
        console.print(f"    {f['fleet']}: {f['becomes']} {' '.join(extra)}".rstrip(), highlight=False)
    for name, members in (data["queues"] or {}).items():
        console.print(f"    queue {name}: {', '.join(members)}", highlight=False)
    console.print("  the cluster must already run (ultrafleet installs none of it):", highlight=False)
    for c in data["cluster_must_run"]:
        console.print(f"    - {c['name']}: {c['why']} ({c['source']})", highlight=False)
