"""An existing VPC: its subnets are where the spec says, and hold every fleet's addresses (the EKS VPC CNI's
pod addresses included)."""

from __future__ import annotations

import math

from ultrafleet.findings import Finding, error, warning
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.scheduler import addresses_per_node, eks, scheduled
from ultrafleet.spec.models import ExistingVpc, Spec

PATH = "network.existing_vpc"


def _placement(spec: Spec, vpc: ExistingVpc) -> list[Finding]:
    out = []
    counts = {len(ids) for ids in vpc.subnet_ids_by_zone.values()}
    if len(counts) > 1:
        out.append(
            error(
                "UF-NET-015",
                f"{PATH}.subnet_ids_by_zone",
                f"lists {sorted(counts)} subnets in different zones; list the same number in every zone (CDK's "
                "imported VPC needs one subnet group across its zones)",
            )
        )
    for zone, ids in vpc.subnet_ids_by_zone.items():
        if zone not in spec.availability_zones:
            out.append(
                error(
                    "UF-NET-010",
                    f"{PATH}.subnet_ids_by_zone.{zone}",
                    f"'{zone}' is not one of the spec's availability_zones ({', '.join(spec.availability_zones)}); "
                    "add the zone there or remove its subnets",
                )
            )
        for subnet in ids:
            facts = vpc.subnets.get(subnet)
            if facts is None:
                out.append(
                    error(
                        "UF-NET-011",
                        f"{PATH}.subnets",
                        f"has no entry for '{subnet}'; add its availability_zone and free_addresses (aws ec2 "
                        f"describe-subnets --subnet-ids {subnet}: AvailabilityZone, AvailableIpAddressCount)",
                    )
                )
            elif facts.availability_zone != zone:
                out.append(
                    error(
                        "UF-NET-012",
                        f"{PATH}.subnet_ids_by_zone.{zone}",
                        f"'{subnet}' is in {facts.availability_zone}, not {zone}; list it under "
                        f"{facts.availability_zone} or use a subnet of {zone}",
                    )
                )
    return out


def check(spec: Spec, fleets: list[ResolvedFleet]) -> list[Finding]:
    vpc = spec.network.existing_vpc
    if vpc is None:
        return []
    out = _placement(spec, vpc)
    if spec.network.s3_gateway_endpoint:
        out.append(
            error(
                "UF-NET-016",
                "network.s3_gateway_endpoint",
                "true: ultrafleet adds no endpoint to an existing VPC (it does not manage its route tables); set "
                "it to false, and give the VPC an S3 gateway endpoint if it has none, so that checkpoint traffic "
                "does not cross a NAT gateway",
            )
        )
    if out:
        return out
    need = dict.fromkeys(vpc.subnet_ids_by_zone, 0)
    for f in fleets:
        per_zone = math.ceil(f.instances / len(f.availability_zones))
        for zone in f.availability_zones:
            if zone not in need:
                out.append(
                    error(
                        "UF-NET-014",
                        f"{f.path}.availability_zones",
                        f"'{zone}' has no subnet in {PATH}.subnet_ids_by_zone; add the VPC's subnets in {zone}",
                    )
                )
                continue
            need[zone] += per_zone * addresses_per_node(f, spec)
    scheduler = eks(spec)
    if scheduler and scheduler.cni.warm_ip_target is None:
        for f in fleets:
            if scheduled(spec, f.spec) and f.instance_type.ipv4_per_interface is None:
                out.append(
                    warning(
                        "UF-NET-017",
                        "scheduler.cni.warm_ip_target",
                        f"unset, and the catalog has no IPv4-addresses-per-interface figure for "
                        f"{f.instance_type.name} ({f.path}), so the VPC CNI's warm pool (one spare interface) is "
                        "not counted in the subnet check; set warm_ip_target to the cluster's value",
                    )
                )
    for zone, needed in need.items():
        free = sum(vpc.subnets[s].free_addresses for s in vpc.subnet_ids_by_zone[zone])
        if needed > free:
            out.append(
                error(
                    "UF-NET-013",
                    f"{PATH}.subnet_ids_by_zone.{zone}",
                    f"the subnets have {free} free addresses but the fleets need {needed} in {zone} (interfaces, "
                    "and on EKS one address per pod up to max_pods plus the VPC CNI's warm pool); add or enlarge "
                    "subnets, lower scheduler.cni.max_pods or set scheduler.cni.warm_ip_target",
                )
            )
    return out
