"""Topology files from a Topology, through jinja2 templates: Slurm topology.conf (tree plugin, or block plugin
for UltraServer domains), an MPI/torchrun hostfile ordered by topology, Kubernetes node labels."""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from ultrafleet import catalog
from ultrafleet.templates import render
from ultrafleet.topology.model import Topology

Format = Literal["slurm", "hostfile", "k8s-labels"]


def _tree(topology: Topology) -> list[dict]:
    """Switches per layer, bottom first: each leaf lists its nodes, each upper switch its child switches."""
    switches = []
    leaves: dict[str, list[str]] = defaultdict(list)
    for node in topology.nodes:
        leaves[node.network_nodes[-1]].append(node.name)
    switches += [{"name": leaf, "nodes": names} for leaf, names in leaves.items()]
    for depth in range(topology.layers - 1, 0, -1):
        children: dict[str, list[str]] = defaultdict(list)
        for node in topology.nodes:
            parent, child = node.network_nodes[depth - 1], node.network_nodes[depth]
            if child not in children[parent]:
                children[parent].append(child)
        switches += [{"name": parent, "switches": kids} for parent, kids in children.items()]
    return switches


def _blocks(topology: Topology) -> list[dict]:
    blocks: dict[str, list[str]] = defaultdict(list)
    for node in topology.nodes:
        blocks[node.capacity_block_id or ""].append(node.name)
    return [{"name": block, "nodes": names} for block, names in blocks.items()]


def _slots(instance_type: str) -> int:
    itype = catalog.instance_types().get(instance_type)
    return itype.accelerators.count if itype and itype.accelerators else 1


def render_topology(topology: Topology, fmt: Format) -> str:
    if fmt == "slurm":
        if all(n.capacity_block_id for n in topology.nodes):
            blocks = _blocks(topology)
            return render(
                "topology/slurm_block.conf.j2", blocks=blocks, block_size=min(len(b["nodes"]) for b in blocks)
            )
        return render("topology/slurm_tree.conf.j2", switches=_tree(topology), layers=topology.layers)
    if fmt == "hostfile":
        return render("topology/hostfile.j2", nodes=[(n.name, _slots(n.instance_type)) for n in topology.nodes])
    return render("topology/k8s_labels.sh.j2", nodes=topology.nodes)
