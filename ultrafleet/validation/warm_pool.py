"""Warm pools only where EC2 Auto Scaling accepts one: not on a group that buys Spot.

Source: EC2 Auto Scaling API Reference, PutWarmPool
(https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutWarmPool.html): "This operation cannot be called
on an Auto Scaling group that has a mixed instances policy or a launch template or launch configuration that
requests Spot Instances." ultrafleet gives a fleet a mixed instances policy exactly when it buys Spot
(capacity.type spot, or inference.spot_percent above 0).
"""

from __future__ import annotations

from ultrafleet.findings import Finding, error
from ultrafleet.planning.fleets import ResolvedFleet


def check(fleet: ResolvedFleet) -> list[Finding]:
    inference = fleet.spec.inference
    if inference is None or inference.warm_pool_min_size is None:
        return []
    if fleet.spec.capacity.type == "spot":
        why = "capacity.type spot"
    elif inference.spot_percent:
        why = f"inference.spot_percent {inference.spot_percent}"
    else:
        return []
    return [
        error(
            "UF-INF-009",
            f"{fleet.path}.inference.warm_pool_min_size",
            f"{inference.warm_pool_min_size}: EC2 Auto Scaling refuses a warm pool on a group that buys Spot "
            f"({why} gives it a mixed instances policy; PutWarmPool API reference); remove the warm pool or buy "
            "the fleet On-Demand",
        )
    ]
