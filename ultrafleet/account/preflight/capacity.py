"""Capacity: each reservation against its fleet, the instance type offered in each zone (Local Zones included),
and free addresses in the spec's subnets when its network stack is already deployed."""

from __future__ import annotations

from datetime import datetime, timedelta

from botocore.exceptions import ClientError

from ultrafleet.account.preflight import Clients, Result, max_instances
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.network import COMPUTE_SUBNET_GROUP, ips_needed_per_az
from ultrafleet.spec.models import Spec

ENDING_SOON = timedelta(days=1)
"""A reservation that ends within a day of the preflight is a warning: a long rollout or job outlives it."""


def reservations(fleets: list[ResolvedFleet], clients: Clients, now: datetime) -> list[Result]:
    out = []
    for f in fleets:
        rid = getattr(f.spec.capacity, "reservation_id", None)
        if rid is None:
            continue
        subject = f"{f.path}.capacity.reservation_id ({f.spec.name})"
        try:
            (r,) = clients.ec2.describe_capacity_reservations(CapacityReservationIds=[rid])["CapacityReservations"]
        except ClientError as exc:
            message = f"{rid}: {exc.response['Error']['Message']}; check the id and the spec's region and account"
            out.append(Result(level="error", code="UF-PRE-003", subject=subject, message=message))
            continue
        out += _reservation(f, r, subject, now)
    return out


def _reservation(f: ResolvedFleet, r: dict, subject: str, now: datetime) -> list[Result]:
    rid, kind = r["CapacityReservationId"], r.get("ReservationType", "default")
    wanted = max_instances(f)
    problems = []
    if r["State"] != "active":
        start = f" (starts {r['StartDate']:%Y-%m-%d %H:%M} UTC)" if r.get("StartDate") else ""
        problems.append(f"state is {r['State']}{start}, not active; deploy once it is active")
    if r["InstanceType"] != f.instance_type.name:
        problems.append(f"holds {r['InstanceType']}, the fleet runs {f.instance_type.name}; fix the spec or the id")
    if r["AvailabilityZone"] not in f.availability_zones:
        zones = ", ".join(f.availability_zones)
        problems.append(f"is in {r['AvailabilityZone']}, the fleet in {zones}; set the fleet's zone to it")
    if r["AvailableInstanceCount"] < wanted:
        problems.append(
            f"needed {wanted} instances, available {r['AvailableInstanceCount']} of {r['TotalInstanceCount']}; "
            "shrink the fleet or extend the reservation"
        )
    end = r.get("EndDate")
    if end is not None and end <= now:
        problems.append(f"ended {end:%Y-%m-%d %H:%M} UTC; buy a new one")
    numbers = (
        f"{rid} ({kind}, {r['State']}, {r['InstanceType']} in {r['AvailabilityZone']}): needed {wanted} instances, "
        f"available {r['AvailableInstanceCount']} of {r['TotalInstanceCount']}"
        + (f", ends {end:%Y-%m-%d %H:%M} UTC" if end else ", no end date")
    )
    if problems:
        return [Result(level="error", code="UF-PRE-003", subject=subject, message=f"{rid} " + "; ".join(problems))]
    if end is not None and end - now < ENDING_SOON:
        return [Result(level="warning", code="UF-PRE-003", subject=subject, message=f"{numbers}: ends within a day")]
    return [Result(level="ok", code="UF-PRE-003", subject=subject, message=numbers)]


def offerings(fleets: list[ResolvedFleet], clients: Clients) -> list[Result]:
    """The fleet's type offered in each of its zones (DescribeInstanceTypeOfferings lists Local Zones the account
    has opted in to with the Availability Zones)."""
    out = []
    for f in fleets:
        answer = clients.ec2.describe_instance_type_offerings(
            LocationType="availability-zone",
            Filters=[
                {"Name": "instance-type", "Values": [f.instance_type.name]},
                {"Name": "location", "Values": list(f.availability_zones)},
            ],
        )
        offered = {o["Location"] for o in answer["InstanceTypeOfferings"]}
        for zone in f.availability_zones:
            subject = f"{f.path} ({f.spec.name}) in {zone}"
            if zone in offered:
                out.append(
                    Result(level="ok", code="UF-PRE-004", subject=subject, message=f"{f.instance_type.name} is offered")
                )
            else:
                out.append(
                    Result(
                        level="error",
                        code="UF-PRE-004",
                        subject=subject,
                        message=f"{f.instance_type.name} is not offered (or the Local Zone is not opted in); choose "
                        "a zone that offers it: aws ec2 describe-instance-type-offerings --location-type "
                        f"availability-zone --filters Name=instance-type,Values={f.instance_type.name}",
                    )
                )
    return out


def subnet_addresses(spec: Spec, fleets: list[ResolvedFleet], clients: Clients) -> list[Result]:
    """When the spec's compute subnets exist (a redeploy), their free addresses plus those the spec's instances
    hold now against the ENA addresses the plan needs per zone."""
    subnets = clients.ec2.describe_subnets(
        Filters=[
            {"Name": "tag:ultrafleet:spec", "Values": [spec.name]},
            {"Name": "tag:aws-cdk:subnet-name", "Values": [COMPUTE_SUBNET_GROUP]},
        ]
    )["Subnets"]
    if not subnets:
        return []  # a first deploy: the network stack creates subnets sized by the plan
    held = _held_addresses(spec, clients)
    out = []
    for zone, need in ips_needed_per_az(fleets, spec.availability_zones).items():
        here = [s for s in subnets if s["AvailabilityZone"] == zone]
        free = sum(s["AvailableIpAddressCount"] for s in here) + held.get(zone, 0)
        subject = f"subnets in {zone}"
        numbers = f"needed {need} ENA addresses, available {free} ({held.get(zone, 0)} held by the spec's instances)"
        if need <= free:
            out.append(Result(level="ok", code="UF-PRE-006", subject=subject, message=numbers))
        else:
            out.append(
                Result(
                    level="error",
                    code="UF-PRE-006",
                    subject=subject,
                    message=f"{numbers}; set network.subnet_prefix_length smaller (a larger subnet) or free addresses",
                )
            )
    return out


def _held_addresses(spec: Spec, clients: Clients) -> dict[str, int]:
    held: dict[str, int] = {}
    pages = clients.ec2.get_paginator("describe_instances").paginate(
        Filters=[
            {"Name": "tag:ultrafleet:spec", "Values": [spec.name]},
            {"Name": "instance-state-name", "Values": ["pending", "running"]},
        ]
    )
    for page in pages:
        for reservation in page["Reservations"]:
            for i in reservation["Instances"]:
                zone = i["Placement"]["AvailabilityZone"]
                held[zone] = held.get(zone, 0) + sum(
                    len(n.get("PrivateIpAddresses", [])) for n in i.get("NetworkInterfaces", [])
                )
    return held
