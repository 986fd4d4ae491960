"""Subnet sizing from the fleets' IP needs.

AWS reserves 5 addresses in every subnet and allows subnets from /16 to /28 (Amazon VPC User Guide,
"Subnet CIDR blocks", subnet-sizing.html). ultrafleet sizes each private subnet to hold every fleet's ENA
interfaces twice over (room for a rolling replacement) and never smaller than /24.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ultrafleet.planning.fleets import ResolvedFleet

COMPUTE_SUBNET_GROUP = "compute"
"""The private subnets' group name (the CDK's subnet configuration name, tag ``aws-cdk:subnet-name``): the network
stack creates them, the fleets and storage select them, preflight reads them."""
PUBLIC_SUBNET_GROUP = "nat"
"""The public subnets' group name: NAT gateways and an internet-facing load balancer."""
AWS_RESERVED_PER_SUBNET = 5
SMALLEST_DEFAULT_PREFIX = 24
PUBLIC_SUBNET_PREFIX = 26
"""Public subnets hold only NAT gateways."""


@dataclass(frozen=True, kw_only=True)
class SubnetPlan:
    ips_needed_per_az: dict[str, int]
    """ENA addresses the fleets take in each AZ at full size."""
    private_prefix: int

    @property
    def usable_per_subnet(self) -> int:
        return 2 ** (32 - self.private_prefix) - AWS_RESERVED_PER_SUBNET


def ips_needed_per_az(fleets: list[ResolvedFleet], azs: list[str]) -> dict[str, int]:
    need = dict.fromkeys(azs, 0)
    for f in fleets:
        per_az = math.ceil(f.instances / len(f.availability_zones))
        for az in f.availability_zones:
            need[az] = need.get(az, 0) + per_az * f.ip_addresses_per_instance
    return need


def smallest_prefix_for(addresses: int) -> int:
    """The longest prefix whose subnet still holds ``addresses`` usable addresses."""
    return 32 - math.ceil(math.log2(addresses + AWS_RESERVED_PER_SUBNET))


def plan_subnets(fleets: list[ResolvedFleet], azs: list[str], prefix: int | None) -> SubnetPlan:
    need = ips_needed_per_az(fleets, azs)
    if prefix is None:
        prefix = min(SMALLEST_DEFAULT_PREFIX, smallest_prefix_for(2 * max(need.values())))
    return SubnetPlan(ips_needed_per_az=need, private_prefix=prefix)
