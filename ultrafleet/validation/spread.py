"""A spread placement group within its per-zone limit.

Source: EC2 User Guide, "Placement group rules and limitations", spread placement groups
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/placement-groups-limitations-spread.html): "A rack spread
placement group supports a maximum of seven running instances per Availability Zone". Auto Scaling balances a
group across its zones, so its largest size over its zone count, rounded up, is what one zone may have to hold.
"""

from __future__ import annotations

from math import ceil

from ultrafleet.findings import Finding, error
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import PlacementStrategy

MAX_SPREAD_INSTANCES_PER_ZONE = 7


def check(fleet: ResolvedFleet) -> list[Finding]:
    if fleet.placement_strategy is not PlacementStrategy.SPREAD or fleet.spec.placement.existing_group_name:
        return []
    inference = fleet.spec.inference
    largest = max(fleet.instances, (inference.max_size or 0) if inference else 0)
    zones = len(fleet.availability_zones)
    per_zone = ceil(largest / zones)
    if per_zone <= MAX_SPREAD_INSTANCES_PER_ZONE:
        return []
    field = "ultraserver_count" if fleet.ultraserver else "count"
    field = "inference.max_size" if largest > fleet.instances else field
    return [
        error(
            "UF-PLC-009",
            f"{fleet.path}.{field}",
            f"{largest}: a spread placement group holds at most {MAX_SPREAD_INSTANCES_PER_ZONE} running instances per "
            f"zone, and {largest} across {zones} zone(s) puts {per_zone} in one; use at most "
            f"{MAX_SPREAD_INSTANCES_PER_ZONE * zones}, more zones, or placement.strategy partition",
        )
    ]
