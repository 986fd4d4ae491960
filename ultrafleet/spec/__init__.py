"""Load a spec from YAML into pydantic models, reporting problems as findings with field paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ultrafleet.findings import Finding, SpecError, error, excerpt
from ultrafleet.spec.environments import UNION_TAGS, environment_data, override_path
from ultrafleet.spec.models import Fleet, Spec
from ultrafleet.spec.yaml_source import read_spec_data

__all__ = ["Fleet", "Spec", "load_spec", "parse_spec", "read_spec_data"]


REQUIRED_HINTS = {
    "scheduler.cluster_name": ": the name of the existing EKS cluster the fleets join (aws eks list-clusters); "
    "ultrafleet creates no control plane",
    "scheduler.kubernetes_version": ': the cluster\'s Kubernetes version, e.g. "1.33" (aws eks describe-cluster)',
    "scheduler.cluster_security_group_id": ": the cluster's security group (EKS: describe-cluster "
    "resourcesVpcConfig.clusterSecurityGroupId; PCS: the group that reaches the Slurm controller)",
    "scheduler.cluster_id": ": the id of the existing AWS PCS cluster (aws pcs list-clusters), pcs_...",
    "scheduler.ami_id": ": a PCS-compatible AMI (PCS agent and Slurm installed) for the compute node groups",
}
"""Fixes for required fields whose name alone does not say where to find the value."""


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in UNION_TAGS:
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "(spec)"


def _finding(err: dict[str, Any], path: str | None = None) -> Finding:
    path = path or _path(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        return error("UF-SPEC-002", path, "is not a known field; remove it or check its spelling")
    if kind == "missing":
        return error("UF-SPEC-003", path, "is required" + REQUIRED_HINTS.get(path, ""))
    if kind == "union_tag_invalid" and path == "scheduler":
        tag = err["input"].get("type") if isinstance(err["input"], dict) else err["input"]
        return error(
            "UF-SCHED-001",
            "scheduler.type",
            f"'{tag}' is not a scheduler type; use eks (an existing EKS cluster) or slurm-pcs (an existing AWS "
            "PCS cluster), or leave the scheduler section out",
        )
    if kind == "union_tag_invalid":
        tag = err["input"].get("type") if isinstance(err["input"], dict) else err["input"]
        return error(
            "UF-SPEC-004",
            f"{path}.type",
            f"{excerpt(tag)} is not a capacity type; use on-demand, capacity-reservation, capacity-block or spot",
        )
    message = err["msg"].removeprefix("Value error, ")
    return error("UF-SPEC-001", path, f"{excerpt(err['input'])}: {message}")


def parse_spec(data: Any, environment: str | None = None) -> Spec:
    """Build a Spec from already-parsed YAML, for one of its environments when named; raises SpecError naming
    every bad field (a field an environment set is named by its path under ``environments``)."""
    if not isinstance(data, dict):
        raise SpecError([error("UF-SPEC-000", "(spec)", "the spec must be a YAML mapping of fields")])
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        raise SpecError([_finding(e) for e in exc.errors()]) from None
    if environment is None:
        return spec
    merged = environment_data(data, environment)
    try:
        return Spec.model_validate(merged)
    except ValidationError as exc:
        raise SpecError([_finding(e, override_path(e["loc"], data, environment)) for e in exc.errors()]) from None


def load_spec(path: Path, environment: str | None = None) -> Spec:
    """Read and parse a spec file (for one environment when named); raises SpecError for unreadable files, bad
    YAML (see ``yaml_source``), bad fields and unknown environments."""
    return parse_spec(read_spec_data(path), environment)
