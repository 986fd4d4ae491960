"""Subnets large enough for every ENA interface, and a VPC large enough for the subnets."""

from __future__ import annotations

from ultrafleet.findings import Finding, error
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.network import PUBLIC_SUBNET_PREFIX, SubnetPlan, smallest_prefix_for
from ultrafleet.spec.models import Spec
from ultrafleet.validation import existing_vpc


def check(spec: Spec, fleets: list[ResolvedFleet], plan: SubnetPlan) -> list[Finding]:
    if spec.network.existing_vpc:
        return existing_vpc.check(spec, fleets)
    need = max(plan.ips_needed_per_az.values())
    if need > plan.usable_per_subnet:
        return [
            error(
                "UF-NET-001",
                "network.subnet_prefix_length",
                f"{plan.private_prefix}: a /"
                f"{plan.private_prefix} subnet has {plan.usable_per_subnet} usable addresses but the fleets "
                f"need {need} in one zone; use /{smallest_prefix_for(need)} or larger",
            )
        ]
    per_az = 2 ** (32 - plan.private_prefix) + 2 ** (32 - PUBLIC_SUBNET_PREFIX)
    total, vpc = per_az * len(spec.availability_zones), spec.network.vpc_cidr
    if total > vpc.num_addresses:
        return [
            error(
                "UF-NET-002",
                "network.vpc_cidr",
                f"{vpc}: {len(spec.availability_zones)} zones of /"
                f"{plan.private_prefix} private and /{PUBLIC_SUBNET_PREFIX} public subnets need {total} "
                f"addresses, the VPC has {vpc.num_addresses}; use a larger VPC CIDR",
            )
        ]
    return []
