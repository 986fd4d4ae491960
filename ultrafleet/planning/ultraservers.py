"""What an UltraServer fleet needs on its nodes to work as the unit it is sold as. Pure: no CDK, no AWS calls.

GB200 UltraServers are one NVLink domain only with NVIDIA IMEX running on every node, configured with the peers
of its own UltraServer (awsome-distributed-ai's P6e-GB200 reference architecture: "IMEX is mandatory").
Trn2 UltraServers need nothing on the node: Neuron's runtime takes the domain per job (docs/ultraservers.md).
"""

from __future__ import annotations

from ultrafleet.planning.fleets import ResolvedFleet


def imex_domain_size(fleet: ResolvedFleet) -> int | None:
    """Instances per IMEX (NVLink) domain for a GPU UltraServer fleet; None for every other fleet."""
    if fleet.ultraserver and fleet.instance_type.accelerator_kind == "gpu":
        return fleet.ultraserver.instances
    return None
