"""The scheduler section: a cluster EKS or PCS can take these fleets into, and fleet settings it would refuse."""

from __future__ import annotations

from ultrafleet.findings import Finding, error
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.scheduler import (
    EKS_KUBERNETES_VERSIONS,
    EKS_REPAIR_THRESHOLD_PERCENT,
    GB200_MIN_KUBERNETES,
    eks,
    pcs,
    pcs_queues,
    scheduled,
)
from ultrafleet.spec.models import EksScheduler, PcsScheduler, Spec

ASG_ONLY_SETTINGS = ("spot_percent", "warm_pool_min_size", "scaling", "route")
"""Inference settings that configure ultrafleet's own Auto Scaling group or load balancer; under a scheduler the
scheduler owns the group (and Kubernetes or Slurm routes the work)."""


def _version(value: str) -> tuple[int, ...]:
    return tuple(int(p) for p in value.split("."))


def _eks(spec: Spec, scheduler: EksScheduler, fleets: list[ResolvedFleet]) -> list[Finding]:
    out = []
    if scheduler.kubernetes_version not in EKS_KUBERNETES_VERSIONS:
        out.append(
            error(
                "UF-SCHED-002",
                "scheduler.kubernetes_version",
                f"'{scheduler.kubernetes_version}' is not a version EKS offers; use one of "
                f"{', '.join(EKS_KUBERNETES_VERSIONS)} (the cluster's own version, from aws eks describe-cluster)",
            )
        )
    low, high = EKS_REPAIR_THRESHOLD_PERCENT
    repair = scheduler.repair
    if not low <= repair.max_unhealthy_percent <= high:
        out.append(
            error(
                "UF-SCHED-003",
                "scheduler.repair.max_unhealthy_percent",
                f"{repair.max_unhealthy_percent}: EKS accepts {low}-{high} (MaxUnhealthyNodeThresholdPercentage); "
                "use 20, EKS's documented default, or another value in range",
            )
        )
    if repair.max_parallel is not None and repair.max_parallel < 1:
        out.append(
            error(
                "UF-SCHED-004",
                "scheduler.repair.max_parallel",
                f"{repair.max_parallel}: EKS repairs at least 1 node at a time (MaxParallelNodesRepairedCount "
                ">= 1); use 1 or more, or leave it out",
            )
        )
    for i, o in enumerate(repair.overrides):
        if o.wait_minutes < 1:
            out.append(
                error(
                    "UF-SCHED-005",
                    f"scheduler.repair.overrides[{i}].wait_minutes",
                    f"{o.wait_minutes}: EKS waits at least 1 minute (MinRepairWaitTimeMins >= 1); use 1 or more",
                )
            )
    for f in fleets:
        if not scheduled(spec, f.spec):
            continue
        if f.spec.ami.id:
            out.append(
                error(
                    "UF-SCHED-006",
                    f"{f.path}.ami.id",
                    f"'{f.spec.ami.id}': an EKS managed node group takes its AMI from AmiType; with an image id in "
                    "the launch template EKS merges no bootstrap user data and refuses AmiType, ReleaseVersion and "
                    "Version (EKS User Guide, Customize managed nodes with launch templates); remove ami.id (pin "
                    "the AMI with scheduler.release_version) or set scheduler: none on this fleet",
                )
            )
        if f.ultraserver and _version(scheduler.kubernetes_version) < _version(GB200_MIN_KUBERNETES):
            out.append(
                error(
                    "UF-SCHED-007",
                    "scheduler.kubernetes_version",
                    f"'{scheduler.kubernetes_version}': EKS runs P6e-GB200 UltraServers ({f.path}) from Kubernetes "
                    f"{GB200_MIN_KUBERNETES}; upgrade the cluster or set scheduler: none on that fleet",
                )
            )
    return out


def _pcs(spec: Spec, scheduler: PcsScheduler) -> list[Finding]:
    out = []
    names = {f.name: f for f in spec.fleets}
    queued: set[str] = set()
    for queue, members in pcs_queues(spec, scheduler).items():
        for member in members:
            fleet = names.get(member)
            if fleet is None or not scheduled(spec, fleet):
                out.append(
                    error(
                        "UF-SCHED-020",
                        f"scheduler.queues.{queue}",
                        f"'{member}' is not a fleet PCS runs; list fleets of this spec without scheduler: none",
                    )
                )
            queued.add(member)
    for i, fleet in enumerate(spec.fleets):
        if scheduled(spec, fleet) and fleet.name not in queued:
            out.append(
                error(
                    "UF-SCHED-021",
                    f"fleets[{i}].name",
                    f"'{fleet.name}' is in no queue of scheduler.queues, so Slurm could never run a job on it; "
                    "add it to a queue",
                )
            )
    return out


def check(spec: Spec, fleets: list[ResolvedFleet]) -> list[Finding]:
    if spec.scheduler is None:
        return []
    out = []
    if spec.network.existing_vpc is None:
        out.append(
            error(
                "UF-SCHED-010",
                "network.existing_vpc",
                f"is required with scheduler type {spec.scheduler.type}: the nodes must join the cluster's VPC; "
                "give its vpc_id, cidr, subnet_ids_by_zone and subnets",
            )
        )
    for f in fleets:
        if not scheduled(spec, f.spec) or not f.spec.inference:
            continue
        for name in ASG_ONLY_SETTINGS:
            value = getattr(f.spec.inference, name)
            if value not in (None, 0):
                out.append(
                    error(
                        "UF-SCHED-008",
                        f"{f.path}.inference.{name}",
                        f"{value!r} configures ultrafleet's own Auto Scaling group or load balancer, but "
                        f"{spec.scheduler.type} owns this fleet's group; remove it (scale and route through the "
                        "scheduler) or set scheduler: none on this fleet",
                    )
                )
    if scheduler := eks(spec):
        out += _eks(spec, scheduler, fleets)
    if scheduler := pcs(spec):
        out += _pcs(spec, scheduler)
    return out
