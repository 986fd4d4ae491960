"""The checkpoint tier: Lustre sizes and throughputs AWS accepts (ultrafleet.planning.lustre), lifecycle rules S3
accepts, a checkpoint size.

Amazon S3 User Guide ("Transitioning objects using S3 Lifecycle"):
objects must be 30 days old before a transition to STANDARD_IA or ONEZONE_IA, and an expiration must come
after every transition of the same objects.
"""

from __future__ import annotations

from ultrafleet.findings import Finding, error, warning
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.lustre import (
    PERSISTENT_2_THROUGHPUTS,
    allowed_throughputs,
    lustre_zone,
    next_lustre_capacity,
    valid_lustre_capacity,
)
from ultrafleet.spec.models import Role, Spec, StorageClass
from ultrafleet.validation import express, lustre_efa

IA_MIN_DAYS = 30


def _lustre(spec: Spec, fleets: list[ResolvedFleet]) -> list[Finding]:
    lustre = spec.storage.lustre
    if lustre is None:
        return []
    out = []
    path = "storage.lustre"
    if not valid_lustre_capacity(lustre.storage_capacity_gib):
        out.append(
            error(
                "UF-STO-001",
                f"{path}.storage_capacity_gib",
                f"{lustre.storage_capacity_gib} is not "
                "allowed; use 1200, 2400 or a multiple of 2400 (next valid: "
                f"{next_lustre_capacity(lustre.storage_capacity_gib)})",
            )
        )
    per_unit = lustre.throughput_mb_s_per_tib
    if lustre.deployment_type == "PERSISTENT_2" and per_unit is not None and per_unit not in PERSISTENT_2_THROUGHPUTS:
        out.append(
            error(
                "UF-STO-002",
                f"{path}.throughput_mb_s_per_tib",
                f"{per_unit} is not allowed for PERSISTENT_2; use {allowed_throughputs()}",
            )
        )
    if lustre.deployment_type == "SCRATCH_2" and per_unit is not None:
        out.append(
            error(
                "UF-STO-003",
                f"{path}.throughput_mb_s_per_tib",
                f"{per_unit}: only PERSISTENT_2 takes a "
                "per-unit throughput (SCRATCH_2 has a fixed baseline: 200 MB/s/TiB read, 100 write); remove it",
            )
        )
    zone = lustre_zone(fleets)
    if zone is None:
        out.append(
            error(
                "UF-STO-007",
                path,
                "Lustre is placed next to the training fleets, and the spec has "
                "none; add a training fleet or remove storage.lustre",
            )
        )
    else:
        away = [
            f"{f.spec.name} ({f.availability_zones[0]})"
            for f in fleets
            if f.spec.role is Role.TRAINING and zone not in f.availability_zones
        ]
        if away:
            out.append(
                warning(
                    "UF-STO-008",
                    path,
                    f"Lustre is placed in {zone}; training fleets "
                    f"{', '.join(away)} reach it across zones (higher latency, inter-zone data charges)",
                )
            )
    return out


def _bucket(spec: Spec) -> list[Finding]:
    bucket = spec.storage.checkpoint_bucket
    path = "storage.checkpoint_bucket"
    out = []
    t = bucket.transition
    if t and t.storage_class in (StorageClass.STANDARD_IA, StorageClass.ONEZONE_IA) and t.after_days < IA_MIN_DAYS:
        out.append(
            error(
                "UF-STO-004",
                f"{path}.transition.after_days",
                f"{t.after_days}: S3 transitions to "
                f"{t.storage_class.value} only after {IA_MIN_DAYS} days; use 30 or more, or "
                "INTELLIGENT_TIERING / GLACIER_IR, which have no minimum",
            )
        )
    expire = bucket.expire_checkpoints_after_days
    if expire is not None and t is not None and expire <= t.after_days:
        out.append(
            error(
                "UF-STO-005",
                f"{path}.expire_checkpoints_after_days",
                f"{expire}: must come after the "
                f"transition at {t.after_days} days (S3 rejects the rule otherwise); use "
                f"{t.after_days + 1} or more",
            )
        )
    return out


def _nvme_and_checkpoint(spec: Spec) -> list[Finding]:
    storage = spec.storage
    out = []
    if storage.nvme_cache and storage.nvme_cache.drain_target == "lustre" and storage.lustre is None:
        out.append(
            error(
                "UF-STO-006",
                "storage.nvme_cache.drain_target",
                "lustre: the spec has no storage.lustre; add one or drain to s3",
            )
        )
    ckpt = storage.checkpoint
    if ckpt and (ckpt.model_parameters_billion is None) == (ckpt.size_gb is None):
        out.append(
            error(
                "UF-STO-009",
                "storage.checkpoint",
                "set exactly one of model_parameters_billion (with bytes_per_parameter, optimizer_state) or size_gb",
            )
        )
    return out


def check(spec: Spec, fleets: list[ResolvedFleet]) -> list[Finding]:
    return (
        _lustre(spec, fleets)
        + _bucket(spec)
        + _nvme_and_checkpoint(spec)
        + lustre_efa.check(spec, fleets)
        + express.check(spec, fleets)
    )
