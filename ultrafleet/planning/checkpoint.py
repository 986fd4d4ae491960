"""How long a checkpoint takes to reach each tier of the checkpoint tier, per training fleet, from the limits that bind.

Every tier's bandwidth is the lowest of its limits, and each limit is sourced (an AWS page or the catalog),
measured (a figure the team gives in the spec) or absent, and said so; a tier with an absent limit has no
bandwidth. The GPUs wait for the first tier's write; the checkpoint is durable once it is in S3 or the express
bucket. Checkpoint size from the spec (Adam in mixed precision keeps 12 bytes per parameter of optimizer state: fp32
master weights, momentum and variance; ZeRO, Rajbhandari et al. 2020).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.lustre import PERSISTENT_2_THROUGHPUTS, next_lustre_capacity, per_unit_throughput
from ultrafleet.spec.models import Checkpoint, Lustre, Role, Spec, Storage

OPTIMIZER_BYTES_PER_PARAMETER = 12

FSX_SSD_TABLE = "FSx for Lustre User Guide, SSD performance table (ssd-storage.html)"
SCRATCH_2_WRITE_MB_S_PER_TIB = 100
"""SCRATCH_2 disk throughput: 200 MB/s/TiB for reads, 100 for writes (FSX_SSD_TABLE); checkpoints are writes.
The 200 MB/s/TiB network baseline of the same table is not what a write reaches."""
FSX_CLIENTS = "FSx for Lustre User Guide, performance.html#throughput-clients"
LUSTRE_CLIENT_GBPS = {"tcp": 100, "efa": 700}
"""Most a single client instance reaches over ENA (TCP) and over EFA (without GPUDirect Storage) (FSX_CLIENTS)."""
S3_PREFIX_RATES = (
    "Amazon S3 User Guide, optimizing-performance.html: 3,500 PUT/COPY/POST/DELETE and 5,500 GET/HEAD per second "
    "per partitioned prefix"
)
S3_PUTS_PER_PREFIX = 3500
EXPRESS_RATES = "Amazon S3 User Guide, s3-express-performance.html: 100,000 writes per second per directory bucket"
EXPRESS_PUTS_PER_BUCKET = 100_000
PART_SIZE_MIB = 64
"""The drain's multipart part size (``multipart_chunksize``): each part is one PUT."""
NVME_METRIC = "ultrafleet NvmeWriteGBps"
DRAIN_METRIC = "ultrafleet CheckpointUploadGBps"


@dataclass(frozen=True, kw_only=True)
class Limit:
    """One limit on a tier's aggregate write bandwidth."""

    name: str
    gb_s: float | None
    """None: not measured and not published."""
    source: str
    """Where the figure comes from, or how to obtain it."""


@dataclass(frozen=True, kw_only=True)
class TierTime:
    tier: str
    """nvme, lustre, express or s3."""
    bandwidth_gb_s: float | None
    """The lowest limit; None when a limit is unknown."""
    write_seconds: float | None
    binding_limit: str
    """The limit that binds, or the one that is unknown."""
    limits: tuple[Limit, ...]
    explanation: str


@dataclass(frozen=True, kw_only=True)
class CheckpointPlan:
    fleet: str
    checkpoint_size_gb: float
    size_explanation: str
    tiers: tuple[TierTime, ...]
    target_seconds: int
    first_tier: str | None
    """The tier training blocks on: NVMe first, then Lustre, then the express bucket, then S3."""
    meets_target: bool | None
    suggestion: str | None
    gpu_wait_seconds: float | None
    """The first tier's write."""
    durable_seconds: float | None
    """Until the checkpoint is in S3 or the express bucket; None when a tier on the way is unknown."""
    durable_explanation: str


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


def lustre_per_unit(lustre: Lustre) -> int:
    """The write throughput per TiB: SCRATCH_2's write baseline, or PERSISTENT_2's per-unit throughput."""
    return per_unit_throughput(lustre) or SCRATCH_2_WRITE_MB_S_PER_TIB


def lustre_gb_s(lustre: Lustre) -> tuple[float, str]:
    tib = lustre.storage_capacity_gib / 1024
    per_unit = lustre_per_unit(lustre)
    gb_s = tib * per_unit / 1000
    return gb_s, f"{lustre.storage_capacity_gib:,} GiB ({tib:,.1f} TiB) x {per_unit} MB/s/TiB = {gb_s:,.1f} GB/s"


def _tier(tier: str, size: float, limits: tuple[Limit, ...], note: str = "") -> TierTime:
    unknown = [limit for limit in limits if limit.gb_s is None]
    if unknown:
        bind, bw = unknown[0], None
        text = f"{bind.name}: {bind.source}"
    else:
        bind = min(limits, key=lambda limit: limit.gb_s or 0)
        bw = bind.gb_s
        text = f"{bind.name} {bw:,.1f} GB/s ({bind.source})"
        others = [f"{limit.name} {limit.gb_s:,.1f} GB/s" for limit in limits if limit is not bind]
        if others:
            text += "; not binding: " + ", ".join(others)
    return TierTime(
        tier=tier,
        bandwidth_gb_s=bw,
        write_seconds=size / bw if bw else None,
        binding_limit=bind.name,
        limits=limits,
        explanation=text + note,
    )


def _nvme(fleet: ResolvedFleet, spec: Spec, size: float) -> TierTime | None:
    nvme, store = spec.storage.nvme_cache, fleet.instance_type.nvme
    if nvme is None or store is None:
        return None
    room = f"; {size / fleet.instances:,.0f} GB per node of {store.total_gb:,} GB instance store"
    if nvme.write_gb_s_per_node is None:
        limit = Limit(
            name="NVMe write",
            gb_s=None,
            source=f"not measured: read the metric {NVME_METRIC} published by the boot fio test and set "
            "storage.nvme_cache.write_gb_s_per_node",
        )
    else:
        limit = Limit(
            name="NVMe write",
            gb_s=fleet.instances * nvme.write_gb_s_per_node,
            source=f"{fleet.instances} nodes x {nvme.write_gb_s_per_node:g} GB/s measured "
            "(storage.nvme_cache.write_gb_s_per_node)",
        )
    return _tier("nvme", size, (limit,), room)


def _lustre(fleet: ResolvedFleet, lustre: Lustre | None, size: float) -> TierTime | None:
    if lustre is None:
        return None
    fs_gb_s, text = lustre_gb_s(lustre)
    transport = "efa" if lustre.efa and fleet.efa else "tcp"
    nic_gbps = fleet.efa_bandwidth_gbps if transport == "efa" else fleet.instance_type.cards[0].baseline_gbps
    per_client_gbps = min(LUSTRE_CLIENT_GBPS[transport], nic_gbps or LUSTRE_CLIENT_GBPS[transport])
    nic = "EFA" if transport == "efa" else "card 0 ENA"
    limits = (
        Limit(name="Lustre file system write", gb_s=fs_gb_s, source=f"{text}; {FSX_SSD_TABLE}"),
        Limit(
            name=f"Lustre clients over {transport.upper()}",
            gb_s=fleet.instances * per_client_gbps / 8,
            source=f"{fleet.instances} nodes x {per_client_gbps:g} Gbps (the lower of {FSX_CLIENTS}: "
            f"{LUSTRE_CLIENT_GBPS[transport]} Gbps per client, and {nic} {nic_gbps or 0:g} Gbps from "
            "DescribeInstanceTypes)",
        ),
    )
    fits = "" if size <= lustre.storage_capacity_gib * 1.073741824 else "; does NOT fit the file system"
    return _tier("lustre", size, limits, fits)


def _upload_limit(fleet: ResolvedFleet, ckpt: Checkpoint) -> Limit:
    if ckpt.upload_gb_s_per_node is not None:
        return Limit(
            name="client upload",
            gb_s=fleet.instances * ckpt.upload_gb_s_per_node,
            source=f"{fleet.instances} nodes x {ckpt.upload_gb_s_per_node:g} GB/s measured "
            "(storage.checkpoint.upload_gb_s_per_node)",
        )
    card0 = fleet.instance_type.cards[0].baseline_gbps
    if card0 is None:
        return Limit(
            name="client upload",
            gb_s=None,
            source=f"{fleet.instance_type.name} card 0 bandwidth is not in the catalog",
        )
    return Limit(
        name="client upload",
        gb_s=fleet.instances * card0 / 8,
        source=f"upper bound until measured: {fleet.instances} nodes x {card0:g} Gbps, card 0's ENA bandwidth from "
        "DescribeInstanceTypes and the AWS CLI CRT client's target_bandwidth; the drain publishes what it reaches as "
        f"{DRAIN_METRIC}, set it as storage.checkpoint.upload_gb_s_per_node",
    )


def _s3(fleet: ResolvedFleet, ckpt: Checkpoint, size: float) -> TierTime:
    prefixes = fleet.instances
    rate = Limit(
        name="S3 PUT rate",
        gb_s=prefixes * S3_PUTS_PER_PREFIX * PART_SIZE_MIB * 1.048576 / 1000,
        source=f"{prefixes} prefixes (one per node) x {S3_PUTS_PER_PREFIX:,} PUT/s x {PART_SIZE_MIB} MiB parts; "
        f"{S3_PREFIX_RATES}",
    )
    return _tier("s3", size, (_upload_limit(fleet, ckpt), rate))


def _express(fleet: ResolvedFleet, spec: Spec, ckpt: Checkpoint, size: float) -> TierTime | None:
    if spec.storage.express_bucket is None:
        return None
    rate = Limit(
        name="directory bucket PUT rate",
        gb_s=EXPRESS_PUTS_PER_BUCKET * PART_SIZE_MIB * 1.048576 / 1000,
        source=f"{EXPRESS_PUTS_PER_BUCKET:,} PUT/s x {PART_SIZE_MIB} MiB parts; {EXPRESS_RATES}",
    )
    return _tier("express", size, (_upload_limit(fleet, ckpt), rate))


def _lustre_suggestion(fleet: ResolvedFleet, lustre: Lustre, tier: TierTime, size: float, target: int) -> str:
    need_gb_s = size / target
    if tier.binding_limit.startswith("Lustre clients"):
        clients = next(limit for limit in tier.limits if limit.name == tier.binding_limit)
        more = "enable storage.lustre.efa, or " if fleet.efa and not lustre.efa else ""
        return (
            f"the clients' network binds ({clients.gb_s:,.1f} GB/s of {need_gb_s:,.1f} GB/s needed), not the file "
            f"system: {more}write from more nodes"
        )
    tib = lustre.storage_capacity_gib / 1024
    current = lustre_per_unit(lustre)
    if lustre.efa:  # an EFA file system's throughput tier is fixed at creation; only its capacity grows
        gib = next_lustre_capacity(math.ceil(need_gb_s * 1000 / current * 1024))
        return (
            f"set storage.lustre.storage_capacity_gib to {gib:,} (an EFA file system keeps its {current} MB/s/TiB; "
            f"needs {need_gb_s:,.1f} GB/s)"
        )
    for per_unit in PERSISTENT_2_THROUGHPUTS:
        if per_unit > current and tib * per_unit / 1000 >= need_gb_s:
            return f"set storage.lustre.throughput_mb_s_per_tib to {per_unit} (needs {need_gb_s:,.1f} GB/s)"
    gib = next_lustre_capacity(math.ceil(need_gb_s * 1024))
    return f"set storage.lustre.storage_capacity_gib to {gib:,} at 1000 MB/s/TiB (needs {need_gb_s:,.1f} GB/s)"


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
        return _lustre_suggestion(fleet, storage.lustre, first, size, target)
    return "add storage.lustre (PERSISTENT_2) in front of S3"


def _durable(spec: Spec, tiers: dict[str, TierTime], first: TierTime) -> tuple[float | None, str]:
    if first.tier in ("s3", "express"):
        return first.write_seconds, f"written straight to {first.tier}"
    if first.tier == "lustre":
        return None, (
            "the data repository association exports from Lustre to S3 at a rate AWS does not publish; "
            "drain through NVMe to s3 or express for a planned time"
        )
    target = spec.storage.nvme_cache.drain_target if spec.storage.nvme_cache else "s3"
    drained = tiers[target]
    if target == "lustre":
        return None, "drained to Lustre, which exports to S3 at a rate AWS does not publish"
    if first.write_seconds is None or drained.write_seconds is None:
        unknown = first if first.write_seconds is None else drained
        return None, f"unknown until the {unknown.tier} tier is: {unknown.binding_limit}"
    total = first.write_seconds + drained.write_seconds
    return total, (
        f"NVMe write {first.write_seconds:,.0f} s, then the drain to {target} {drained.write_seconds:,.0f} s "
        f"= {total:,.0f} s"
    )


def plan_fleet(spec: Spec, fleet: ResolvedFleet) -> CheckpointPlan:
    ckpt = spec.storage.checkpoint
    assert ckpt is not None
    size, size_text = checkpoint_size_gb(ckpt)
    candidates = (
        _nvme(fleet, spec, size),
        _lustre(fleet, spec.storage.lustre, size),
        _express(fleet, spec, ckpt, size),
        _s3(fleet, ckpt, size),
    )
    tiers = tuple(t for t in candidates if t)
    first = tiers[0]
    meets = None if first.write_seconds is None else first.write_seconds <= ckpt.target_seconds
    suggestion = None if meets else _suggest(fleet, spec, first, size, ckpt.target_seconds)
    if meets is None and first.tier == "nvme" and spec.storage.lustre is not None:
        lustre = next(t for t in tiers if t.tier == "lustre")
        if lustre.write_seconds is not None and lustre.write_seconds > ckpt.target_seconds:
            suggestion += f"; without NVMe, Lustre ({lustre.write_seconds:,.0f} s) misses the target: " + _suggest(
                fleet, spec, lustre, size, ckpt.target_seconds
            )
    durable, durable_text = _durable(spec, {t.tier: t for t in tiers}, first)
    return CheckpointPlan(
        fleet=fleet.spec.name,
        checkpoint_size_gb=size,
        size_explanation=size_text,
        tiers=tiers,
        target_seconds=ckpt.target_seconds,
        first_tier=first.tier,
        meets_target=meets,
        suggestion=suggestion,
        gpu_wait_seconds=first.write_seconds,
        durable_seconds=durable,
        durable_explanation=durable_text,
    )


def _coherent(storage: Storage) -> bool:
    """A checkpoint section with exactly one size, and a drain target that exists (validation reports each
    contradiction: UF-STO-009, UF-STO-006, UF-STO-012)."""
    ckpt, nvme = storage.checkpoint, storage.nvme_cache
    if ckpt is None or (ckpt.model_parameters_billion is None) == (ckpt.size_gb is None):
        return False
    target = nvme.drain_target if nvme else None
    return not (
        (target == "lustre" and storage.lustre is None) or (target == "express" and storage.express_bucket is None)
    )


def plan_checkpoints(spec: Spec, fleets: list[ResolvedFleet]) -> list[CheckpointPlan]:
    """One plan per training fleet; none without storage.checkpoint or when its settings contradict."""
    if not _coherent(spec.storage):
        return []
    return [plan_fleet(spec, f) for f in fleets if f.spec.role is Role.TRAINING]
