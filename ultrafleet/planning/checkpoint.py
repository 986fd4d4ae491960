"""How long a checkpoint takes to write to each tier of the checkpoint tier, per training fleet.

Every figure is explained in one line. Sources: checkpoint size from the spec (Adam in mixed precision keeps
12 bytes per parameter of optimizer state: fp32 master weights, momentum and variance; ZeRO, Rajbhandari et al.
2020); Lustre throughput = storage capacity (TiB) x per-unit throughput (FSx for Lustre API Reference;
SCRATCH_2 baseline 200 MB/s/TiB per the FSx for Lustre performance guide); the S3 ceiling is the ENA bandwidth of
card 0 from DescribeInstanceTypes (EFA-only interfaces carry no IP traffic); NVMe write bandwidth is measured by
the team and given in the spec, since AWS publishes none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import Checkpoint, Lustre, NvmeCache, Role, Spec

OPTIMIZER_BYTES_PER_PARAMETER = 12
SCRATCH_2_MB_S_PER_TIB = 200
DEFAULT_PERSISTENT_2_MB_S_PER_TIB = 250
PERSISTENT_2_THROUGHPUTS = (125, 250, 500, 1000)


@dataclass(frozen=True, kw_only=True)
class TierTime:
    tier: str
    """nvme, lustre or s3."""
    bandwidth_gb_s: float | None
    """Aggregate write bandwidth for the fleet; None when unknown."""
    write_seconds: float | None
    explanation: str


@dataclass(frozen=True, kw_only=True)
class CheckpointPlan:
    fleet: str
    checkpoint_size_gb: float
    size_explanation: str
    tiers: tuple[TierTime, ...]
    target_seconds: int
    first_tier: str | None
    """The tier training blocks on: NVMe first, then Lustre, then S3."""
    meets_target: bool | None
    suggestion: str | None


def checkpoint_size_gb(ckpt: Checkpoint) -> tuple[float, str]:
    if ckpt.size_gb is not None:
        return ckpt.size_gb, f"{ckpt.size_gb:g} GB given in storage.checkpoint.size_gb"
    per_param = ckpt.bytes_per_parameter + (OPTIMIZER_BYTES_PER_PARAMETER if ckpt.optimizer_state else 0)
    size = (ckpt.model_parameters_billion or 0) * per_param
    optimizer = f" + {OPTIMIZER_BYTES_PER_PARAMETER} optimizer" if ckpt.optimizer_state else ""
    return size, (
        f"{ckpt.model_parameters_billion:g}B parameters x ({ckpt.bytes_per_parameter:g} weight{optimizer}) "
        f"bytes = {size:,.0f} GB"
    )


def _time(size_gb: float, bw: float | None) -> float | None:
    return size_gb / bw if bw else None


def lustre_gb_s(lustre: Lustre) -> tuple[float, str]:
    tib = lustre.storage_capacity_gib / 1024
    per_unit = (
        SCRATCH_2_MB_S_PER_TIB
        if lustre.deployment_type == "SCRATCH_2"
        else (lustre.throughput_mb_s_per_tib or DEFAULT_PERSISTENT_2_MB_S_PER_TIB)
    )
    gb_s = tib * per_unit / 1000
    return gb_s, f"{lustre.storage_capacity_gib:,} GiB ({tib:,.1f} TiB) x {per_unit} MB/s/TiB = {gb_s:,.1f} GB/s"


def _nvme(fleet: ResolvedFleet, nvme: NvmeCache | None, size: float) -> TierTime | None:
    store = fleet.instance_type.nvme
    if nvme is None or store is None:
        return None
    per_node = size / fleet.instances
    room = f"; {per_node:,.0f} GB per node of {store.total_gb:,} GB instance store"
    if nvme.write_gb_s_per_node is None:
        return TierTime(
            tier="nvme",
            bandwidth_gb_s=None,
            write_seconds=None,
            explanation="unknown: set storage.nvme_cache.write_gb_s_per_node to a measured figure "
            f"(AWS publishes none){room}",
        )
    bw = fleet.instances * nvme.write_gb_s_per_node
    return TierTime(
        tier="nvme",
        bandwidth_gb_s=bw,
        write_seconds=_time(size, bw),
        explanation=f"{fleet.instances} nodes x {nvme.write_gb_s_per_node:g} GB/s measured NVMe write "
        f"= {bw:,.1f} GB/s{room}",
    )


def _lustre(fleet: ResolvedFleet, lustre: Lustre | None, size: float) -> TierTime | None:
    if lustre is None:
        return None
    fs_gb_s, text = lustre_gb_s(lustre)
    client_gb_s = fleet.instances * (fleet.instance_type.cards[0].baseline_gbps or 0) / 8
    bw = min(fs_gb_s, client_gb_s) if client_gb_s else fs_gb_s
    limit = "" if bw == fs_gb_s else f", limited by the clients' ENA ({client_gb_s:,.1f} GB/s)"
    fits = "" if size <= lustre.storage_capacity_gib * 1.073741824 else "; does NOT fit the file system"
    return TierTime(tier="lustre", bandwidth_gb_s=bw, write_seconds=_time(size, bw), explanation=text + limit + fits)


def _s3(fleet: ResolvedFleet, size: float) -> TierTime:
    card0 = fleet.instance_type.cards[0].baseline_gbps
    if card0 is None:
        return TierTime(
            tier="s3",
            bandwidth_gb_s=None,
            write_seconds=None,
            explanation=f"unknown: {fleet.instance_type.name} card 0 bandwidth is not in the catalog",
        )
    bw = fleet.instances * card0 / 8
    return TierTime(
        tier="s3",
        bandwidth_gb_s=bw or None,
        write_seconds=_time(size, bw),
        explanation=f"ceiling: {fleet.instances} nodes x {card0:g} Gbps ENA on card 0 = {bw:,.1f} GB/s "
        "(EFA-only interfaces carry no S3 traffic)",
    )


def _lustre_suggestion(lustre: Lustre, size: float, target: int) -> str:
    need_mb_s = size / target * 1000
    tib = lustre.storage_capacity_gib / 1024
    for per_unit in PERSISTENT_2_THROUGHPUTS:
        if tib * per_unit >= need_mb_s and per_unit > (lustre.throughput_mb_s_per_tib or 0):
            return f"set storage.lustre.throughput_mb_s_per_tib to {per_unit} (needs {need_mb_s / 1000:,.1f} GB/s)"
    from ultrafleet.validation.storage import next_lustre_capacity

    gib = next_lustre_capacity(math.ceil(need_mb_s / 1000 * 1024))
    return f"set storage.lustre.storage_capacity_gib to {gib:,} at 1000 MB/s/TiB (needs {need_mb_s / 1000:,.1f} GB/s)"


def _suggest(fleet: ResolvedFleet, spec: Spec, first: TierTime, size: float, target: int) -> str:
    storage = spec.storage
    if first.tier == "nvme":
        if first.bandwidth_gb_s is None:
            return "measure the NVMe write bandwidth and set storage.nvme_cache.write_gb_s_per_node"
        need = math.ceil(size / target / (storage.nvme_cache.write_gb_s_per_node or 1))
        return f"NVMe is fixed per node: write from at least {need} nodes, or shard less per node"
    if fleet.instance_type.nvme and storage.nvme_cache is None:
        return "enable storage.nvme_cache: write to local NVMe first and drain in the background"
    if first.tier == "lustre" and storage.lustre is not None and storage.lustre.deployment_type == "PERSISTENT_2":
        return _lustre_suggestion(storage.lustre, size, target)
    return "add storage.lustre (PERSISTENT_2) in front of S3"


def plan_fleet(spec: Spec, fleet: ResolvedFleet) -> CheckpointPlan:
    ckpt = spec.storage.checkpoint
    assert ckpt is not None
    size, size_text = checkpoint_size_gb(ckpt)
    tiers = tuple(
        t
        for t in (
            _nvme(fleet, spec.storage.nvme_cache, size),
            _lustre(fleet, spec.storage.lustre, size),
            _s3(fleet, size),
        )
        if t
    )
    first = tiers[0]
    meets = None if first.write_seconds is None else first.write_seconds <= ckpt.target_seconds
    suggestion = None if meets else _suggest(fleet, spec, first, size, ckpt.target_seconds)
    if meets is None and first.tier == "nvme" and spec.storage.lustre is not None:
        lustre = next(t for t in tiers if t.tier == "lustre")
        if lustre.write_seconds is not None and lustre.write_seconds > ckpt.target_seconds:
            suggestion += f"; without NVMe, Lustre ({lustre.write_seconds:,.0f} s) misses the target: " + _suggest(
                fleet, spec, lustre, size, ckpt.target_seconds
            )
    return CheckpointPlan(
        fleet=fleet.spec.name,
        checkpoint_size_gb=size,
        size_explanation=size_text,
        tiers=tiers,
        target_seconds=ckpt.target_seconds,
        first_tier=first.tier,
        meets_target=meets,
        suggestion=suggestion,
    )


def plan_checkpoints(spec: Spec, fleets: list[ResolvedFleet]) -> list[CheckpointPlan]:
    """One plan per training fleet; none without storage.checkpoint."""
    if spec.storage.checkpoint is None:
        return []
    return [plan_fleet(spec, f) for f in fleets if f.spec.role is Role.TRAINING]
