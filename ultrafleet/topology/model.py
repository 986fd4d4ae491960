"""The network tree of a set of instances, parsed and checked from DescribeInstanceTopology output.

Each instance has 3 (most types) or 4 (p6-b200, p6-b300) network nodes, from the top of the tree down to the
node it hangs from (EC2 User Guide, "How Amazon EC2 instance topology works"). UltraServer instances also carry
a CapacityBlockId that identifies their NVLink/NeuronLink domain. Pure: no AWS calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ultrafleet.findings import Finding, SpecError, error


@dataclass(frozen=True, kw_only=True)
class Node:
    instance_id: str
    instance_type: str
    zone: str
    network_nodes: tuple[str, ...]
    """Top layer first; the last one is the node the instance hangs from."""
    capacity_block_id: str | None
    name: str
    """The scheduler's name for the node: the instance id, or its hostname when known."""


@dataclass(frozen=True, kw_only=True)
class Topology:
    nodes: tuple[Node, ...]
    """Ordered by their path through the tree, so neighbours sit next to each other."""

    @property
    def layers(self) -> int:
        return len(self.nodes[0].network_nodes)

    @property
    def zone(self) -> str:
        return self.nodes[0].zone


def _fail(where: str, message: str) -> SpecError:
    return SpecError([error("UF-TOPO-001", where, message)])


def parse_response(text: str, source: str) -> list[dict[str, Any]]:
    """The Instances of `aws ec2 describe-instance-topology` output (one document or several pages)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(source, f"is not valid JSON (line {exc.lineno}): {exc.msg}") from None
    pages = data if isinstance(data, list) else [data]
    if not all(isinstance(p, dict) and isinstance(p.get("Instances"), list) for p in pages):
        raise _fail(source, "has no Instances list; give the JSON that `aws ec2 describe-instance-topology` prints")
    return [i for p in pages for i in p["Instances"]]


def build(
    instances: list[dict[str, Any]],
    *,
    source: str,
    expected_ids: list[str] | None = None,
    names: dict[str, str] | None = None,
) -> Topology:
    """Check and order the instances; SpecError (exit 2) for missing fields, missing instances, mixed zones."""
    problems: list[Finding] = []
    nodes = []
    for i, inst in enumerate(instances):
        missing = [k for k in ("InstanceId", "InstanceType", "NetworkNodes", "AvailabilityZone") if not inst.get(k)]
        if missing:
            problems.append(error("UF-TOPO-002", f"{source}: Instances[{i}]", f"lacks {', '.join(missing)}"))
            continue
        nodes.append(
            Node(
                instance_id=inst["InstanceId"],
                instance_type=inst["InstanceType"],
                zone=inst["AvailabilityZone"],
                network_nodes=tuple(inst["NetworkNodes"]),
                capacity_block_id=inst.get("CapacityBlockId"),
                name=(names or {}).get(inst["InstanceId"], inst["InstanceId"]),
            )
        )
    if not nodes and not problems:
        problems.append(
            error(
                "UF-TOPO-003",
                source,
                "holds no instances; are they running, and of a type DescribeInstanceTopology supports?",
            )
        )
    if expected_ids:
        absent = sorted(set(expected_ids) - {n.instance_id for n in nodes})
        if absent:
            problems.append(
                error(
                    "UF-TOPO-004",
                    source,
                    f"has no topology for {', '.join(absent)}; they must be "
                    "running and of a supported type (see the catalog's topology_layers)",
                )
            )
    zones = sorted({n.zone for n in nodes})
    if len(zones) > 1:
        problems.append(
            error(
                "UF-TOPO-005",
                source,
                f"mixes zones {', '.join(zones)}; a network tree is per zone, so select one zone's instances",
            )
        )
    depths = sorted({len(n.network_nodes) for n in nodes})
    if len(depths) > 1:
        problems.append(error("UF-TOPO-006", source, f"mixes trees of {depths} layers; select one instance family"))
    if problems:
        raise SpecError(problems)
    return Topology(nodes=tuple(sorted(nodes, key=lambda n: (*n.network_nodes, n.capacity_block_id or "", n.name))))
