"""Local Zones moto's zone table lacks: P6e-GB200 UltraServer Capacity Blocks are delivered in the Dallas Local
Zone of us-east-1 (EC2 User Guide, capacity-blocks-launch.html)."""

from __future__ import annotations

from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend, Zone

LOCAL_ZONES = {"us-east-1": [("us-east-1-dfw-2a", "use1-dfw2-az1")]}


def install() -> None:
    for region, zones in LOCAL_ZONES.items():
        known = {z.name for z in RegionsAndZonesBackend.zones[region]}
        for name, zone_id in zones:
            if name not in known:
                RegionsAndZonesBackend.zones[region].append(
                    Zone(name=name, region_name=region, zone_id=zone_id, zone_type="local-zone")
                )
