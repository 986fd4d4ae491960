"""The instance catalog: what each accelerated type offers, from DescribeInstanceTypes and sourced overlays.

Imports no CDK. ``get(name)`` returns an :class:`InstanceType`; ``suggest(name)`` finds near misses.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from ultrafleet.catalog.generated import load_generated_file


@dataclass(frozen=True, kw_only=True)
class NetworkCard:
    index: int
    interface_types: tuple[str, ...]
    """Interface types the card accepts: ``interface`` (ENA), ``efa`` (EFA with ENA), ``efa-only``."""
    max_interfaces: int | None
    baseline_gbps: float | None

    @property
    def supports_efa(self) -> bool:
        return "efa-only" in self.interface_types


@dataclass(frozen=True, kw_only=True)
class Accelerators:
    kind: str
    manufacturer: str
    model: str
    count: int
    memory_mib_each: int | None


@dataclass(frozen=True, kw_only=True)
class Nvme:
    count: int | None
    size_gb: int | None
    total_gb: int


@dataclass(frozen=True, kw_only=True)
class InstanceType:
    name: str
    vcpus: int | None
    memory_mib: int | None
    architectures: tuple[str, ...]
    accelerators: Accelerators | None
    network_performance: str
    efa_supported: bool
    max_efa_interfaces: int
    ipv4_per_interface: int | None
    cards: tuple[NetworkCard, ...]
    nvme: Nvme | None
    placement_strategies: tuple[str, ...]
    capacity_block: bool
    ultraserver_only: bool
    topology_layers: int | None
    source: str
    efa_published_gbps: float | None = None
    """The EFA bandwidth AWS publishes for the type (overlay ``efa_gbps``); None: no EFA."""
    max_network_interfaces: int | None = None
    """Interfaces the whole instance takes; None where the catalog has no figure."""

    @property
    def accelerator_kind(self) -> str | None:
        """``gpu`` or ``neuron`` (the catalog's accelerator kinds); None for a type without accelerators."""
        return self.accelerators.kind if self.accelerators else None

    @property
    def architecture(self) -> str:
        """``arm64`` or ``x86_64`` (every catalogued type has exactly one)."""
        return self.architectures[0]

    @property
    def efa_bandwidth_gbps(self) -> float:
        """The most EFA can reach: the figure AWS publishes for the type's EFA networking (0 without EFA).

        Not the sum of the cards' baselines: those are ENA figures (p6-b200: 8 x 200 Gbps ENA, 3,200 Gbps EFA).
        """
        return self.efa_published_gbps or 0.0

    @property
    def ena_bandwidth_gbps(self) -> float | None:
        """Sum of every card's ENA baseline (DescribeInstanceTypes BaselineBandwidthInGbps); None if one is unknown."""
        if any(c.baseline_gbps is None for c in self.cards):
            return None
        return sum(c.baseline_gbps or 0.0 for c in self.cards)


@dataclass(frozen=True, kw_only=True)
class UltraServerType:
    name: str
    instance_type: str
    instances: int


def _instance_type(name: str, raw: dict[str, Any], extra: dict[str, Any]) -> InstanceType:
    net = raw["network"]
    acc = raw["accelerators"] or extra.get("accelerators")
    return InstanceType(
        name=name,
        vcpus=raw["vcpus"],
        memory_mib=raw["memory_mib"],
        architectures=tuple(raw["architectures"]),
        accelerators=Accelerators(**acc) if acc else None,
        network_performance=net["performance"],
        efa_supported=net["efa_supported"],
        max_efa_interfaces=net["max_efa_interfaces"],
        ipv4_per_interface=net["ipv4_per_interface"],
        cards=tuple(
            NetworkCard(
                index=c["index"],
                interface_types=tuple(c["interface_types"]),
                max_interfaces=c["max_interfaces"],
                baseline_gbps=c["baseline_gbps"],
            )
            for c in net["cards"]
        ),
        nvme=Nvme(**raw["nvme"]) if raw["nvme"] else None,
        placement_strategies=tuple(raw["placement_strategies"]),
        capacity_block=extra["capacity_block"],
        ultraserver_only=extra["ultraserver_only"],
        topology_layers=extra["topology_layers"],
        source=raw["source"],
        efa_published_gbps=extra.get("efa_gbps"),
        max_network_interfaces=net.get("max_interfaces"),
    )


@cache
def _overlay() -> dict[str, Any]:
    return yaml.safe_load(resources.files(__package__).joinpath("overlay.yaml").read_text())


@cache
def instance_types() -> dict[str, InstanceType]:
    """Every catalogued instance type by name."""
    overlay = _overlay()
    raw = {**load_generated_file()["instance_types"], **overlay["manual_types"]}
    return {name: _instance_type(name, entry, overlay["types"][name]) for name, entry in sorted(raw.items())}


@cache
def ultraserver_types() -> dict[str, UltraServerType]:
    return {name: UltraServerType(name=name, **v) for name, v in _overlay()["ultraservers"].items()}


def capacity_block_max_instances() -> int:
    return int(_overlay()["capacity_block_max_instances"])


def get(name: str) -> InstanceType:
    """The catalogued type; KeyError when unknown (validation reports it with a suggestion first)."""
    return instance_types()[name]


def suggest(name: str, choices: list[str]) -> str | None:
    """The closest known name to a misspelt one, or None."""
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return close[0] if close else None


@dataclass(frozen=True, kw_only=True)
class PeakFlops:
    tflops_per_accelerator: float
    """Peak dense BF16 tensor throughput of one accelerator."""
    source: str


def peak_dense_bf16(name: str) -> PeakFlops | None:
    """The overlay's peak dense BF16 figure for an instance type, with its source; None where none is cited."""
    entry = _overlay().get("accelerator_peak_dense_bf16_tflops", {}).get(name)
    return PeakFlops(tflops_per_accelerator=entry["tflops"], source=entry["source"]) if entry else None
