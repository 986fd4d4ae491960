"""A node's life from launch to termination, as numbers: the health gate's expectations, the termination hook's
heartbeat, the Capacity Block schedule. Imports no CDK; the constructs, the CLI and validation all read this.

Sources (named next to each figure below): Amazon EC2 Auto Scaling API Reference (PutLifecycleHook, LifecycleHook),
Amazon EC2 User Guide "Monitor Capacity Blocks using EventBridge", the EKS node monitoring agent
(aws/eks-node-monitoring-agent, monitors/nvidia/dcgm/dcgm_policies.go) and NVIDIA's Fabric Manager User Guide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from ultrafleet.planning.checkpoint import CheckpointPlan
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import CapacityBlock, Role, Spec

HEARTBEAT_MIN_SECONDS = 30
HEARTBEAT_MAX_SECONDS = 7200
HEARTBEAT_DEFAULT_SECONDS = 3600
"""PutLifecycleHook HeartbeatTimeout: 30 to 7200 seconds, default 3600 (EC2 Auto Scaling API Reference)."""
GLOBAL_TIMEOUT_MAX_SECONDS = 172800
GLOBAL_TIMEOUT_HEARTBEATS = 100
"""LifecycleHook GlobalTimeout: an instance stays in a wait state at most 172800 s (48 h) or 100 x HeartbeatTimeout,
whichever is smaller (EC2 Auto Scaling API Reference)."""
HEARTBEAT_FLOOR_SECONDS = 300
"""ultrafleet's floor for a planned heartbeat: room for the final listing and verification of a small drain."""
DRAIN_MARGIN = 2
"""A planned heartbeat is this many times the planned drain time (a drain also waits on S3 or Lustre)."""

CAPACITY_BLOCK_DELIVERED = "Capacity Block Delivered"
CAPACITY_BLOCK_WARNING = "Capacity Block Expiration Warning"
"""EventBridge detail types from source aws.ec2 (EC2 User Guide, "Monitor Capacity Blocks using EventBridge"). The
China-region copy of that page spells them "Capacity Block Reservation Delivered" / "... Expiration Warning";
ultrafleet follows the docs.aws.amazon.com page."""
WARNING_BEFORE_END = timedelta(minutes=40)
TERMINATION_BEFORE_END = timedelta(minutes=30)
"""Forty minutes before a block ends EC2 sends the warning; its instances begin to terminate ten minutes later
(same page)."""

FATAL_XIDS = (46, 48, 54, 62, 63, 64, 74, 79, 95, 109, 110, 119, 120, 136, 140, 142, 143, 151, 155, 156, 158)
"""XIDs that make a node unhealthy: the EKS node monitoring agent's WellKnownXidCodes (fatal, node replaced), each
mapped there to NVIDIA's Xid catalog resolution bucket (RESET_GPU, RESTART_BM, WORKFLOW_XID_48, ...). Other XIDs
are warnings: logged and counted, the node stays (the agent emits an event, not a condition)."""
NEURON_FATAL_ERRORS = ("SRAM_UNCORRECTABLE_ERROR", "NC_UNCORRECTABLE_ERROR", "HBM_UNCORRECTABLE_ERROR", "DMA_ERROR")
"""NEURON_HW_ERR=... kernel log lines the EKS node monitoring agent treats as fatal (monitors/neuron/monitor.go,
after the Neuron runtime troubleshooting guide and the Neuron Problem Detector configuration)."""
FABRIC_MANAGER_FAMILIES = ("p4d", "p4de", "p5", "p5e", "p5en", "p6-b200", "p6-b300")
"""NVSwitch-based HGX baseboards (A100, H100/H200, B200/B300), which need nvidia-fabricmanager running before
CUDA can use the GPUs (NVIDIA Fabric Manager User Guide, "NVSwitch-Based Systems" and "GPU Baseboard Topologies")."""


@dataclass(frozen=True, kw_only=True)
class GateExpectations:
    """What the boot health gate checks on one node."""

    gpus: int
    neuron_devices: int
    efa_devices: int
    fabric_manager: bool


@dataclass(frozen=True, kw_only=True)
class Termination:
    """The termination lifecycle hook of a training fleet with an NVMe checkpoint cache."""

    heartbeat_seconds: int
    drain_seconds: float | None
    """Planned time to move one checkpoint off NVMe; None when not planned."""
    explanation: str


@dataclass(frozen=True, kw_only=True)
class CapacityBlockTimes:
    """When the group scales up and down around a Capacity Block."""

    scale_out_at: datetime | None
    scale_in_at: datetime | None
    """ends_at - 30 min (EC2 starts terminating) - the heartbeat, rounded down to the minute."""
    warning_lead_seconds: int
    """Time between EC2's warning and the start of termination: what an event-driven drain gets."""


@dataclass(frozen=True, kw_only=True)
class NodeLifecycle:
    fleet: str
    group_size: int
    """count plus spares: what the Auto Scaling group keeps running."""
    spares: int
    gate: GateExpectations
    termination: Termination | None
    capacity_block: CapacityBlockTimes | None


def gate_expectations(fleet: ResolvedFleet) -> GateExpectations:
    itype = fleet.instance_type
    family = itype.name.split(".")[0]
    count = itype.accelerators.count if itype.accelerators else 0
    return GateExpectations(
        gpus=count if itype.accelerator_kind == "gpu" else 0,
        neuron_devices=count if itype.accelerator_kind == "neuron" else 0,
        efa_devices=fleet.efa_interfaces,
        fabric_manager=family in FABRIC_MANAGER_FAMILIES,
    )


def has_termination_hook(spec: Spec, fleet: ResolvedFleet) -> bool:
    """Training fleets whose nodes keep checkpoints on an NVMe cache get the drain-before-terminate hook."""
    return fleet.spec.role is Role.TRAINING and spec.storage.nvme_cache is not None and bool(fleet.instance_type.nvme)


def drain_seconds(spec: Spec, plan: CheckpointPlan | None) -> float | None:
    """Time to copy one checkpoint from NVMe to the drain target, from the checkpoint plan."""
    nvme = spec.storage.nvme_cache
    if plan is None or nvme is None:
        return None
    target = next((t for t in plan.tiers if t.tier == nvme.drain_target), None)
    return target.write_seconds if target else None


def termination(spec: Spec, fleet: ResolvedFleet, plan: CheckpointPlan | None) -> Termination:
    drain = drain_seconds(spec, plan)
    given = fleet.spec.health.termination_heartbeat_seconds
    if given is not None:
        return Termination(
            heartbeat_seconds=given,
            drain_seconds=drain,
            explanation=f"{given} s given in health.termination_heartbeat_seconds",
        )
    if drain is None:
        return Termination(
            heartbeat_seconds=HEARTBEAT_DEFAULT_SECONDS,
            drain_seconds=None,
            explanation=f"{HEARTBEAT_DEFAULT_SECONDS} s (Auto Scaling's default): the drain time is not planned "
            "(set storage.checkpoint)",
        )
    heartbeat = max(HEARTBEAT_FLOOR_SECONDS, math.ceil(drain * DRAIN_MARGIN))
    heartbeat = min(heartbeat, HEARTBEAT_MAX_SECONDS)
    return Termination(
        heartbeat_seconds=heartbeat,
        drain_seconds=drain,
        explanation=f"{heartbeat:,} s = max({HEARTBEAT_FLOOR_SECONDS}, {DRAIN_MARGIN} x {drain:,.0f} s planned drain "
        f"to {spec.storage.nvme_cache.drain_target if spec.storage.nvme_cache else '-'})"
        + (f", capped at Auto Scaling's {HEARTBEAT_MAX_SECONDS} s" if heartbeat == HEARTBEAT_MAX_SECONDS else ""),
    )


def global_timeout_seconds(heartbeat_seconds: int) -> int:
    """The longest a node may stay in Terminating:Wait while it records heartbeats."""
    return min(GLOBAL_TIMEOUT_MAX_SECONDS, GLOBAL_TIMEOUT_HEARTBEATS * heartbeat_seconds)


def capacity_block_times(capacity: CapacityBlock, heartbeat_seconds: int) -> CapacityBlockTimes:
    scale_in = None
    if capacity.ends_at is not None:
        scale_in = capacity.ends_at - TERMINATION_BEFORE_END - timedelta(seconds=heartbeat_seconds)
        scale_in = scale_in.replace(second=0, microsecond=0)
    return CapacityBlockTimes(
        scale_out_at=capacity.starts_at,
        scale_in_at=scale_in,
        warning_lead_seconds=int((WARNING_BEFORE_END - TERMINATION_BEFORE_END).total_seconds()),
    )


def plan_lifecycle(spec: Spec, fleet: ResolvedFleet, checkpoint: CheckpointPlan | None) -> NodeLifecycle:
    term = termination(spec, fleet, checkpoint) if has_termination_hook(spec, fleet) else None
    capacity = fleet.spec.capacity
    block = None
    if isinstance(capacity, CapacityBlock):
        block = capacity_block_times(capacity, term.heartbeat_seconds if term else 0)
    return NodeLifecycle(
        fleet=fleet.spec.name,
        group_size=fleet.instances + fleet.spec.spares,
        spares=fleet.spec.spares,
        gate=gate_expectations(fleet),
        termination=term,
        capacity_block=block,
    )


def plan_all(spec: Spec, fleets: list[ResolvedFleet], checkpoints: list[CheckpointPlan]) -> list[NodeLifecycle]:
    by_fleet = {c.fleet: c for c in checkpoints}
    return [plan_lifecycle(spec, f, by_fleet.get(f.spec.name)) for f in fleets]
