"""Zones that exist where the spec deploys: named after the spec's region (also after an environment changes the
region), and, for a spec with an account, among the zones that account's lookup in cdk.json lists.

Zone names carry their region: an Availability Zone is the region's name plus a letter (us-east-1a), a Local Zone
the region's name plus a location and a letter (us-east-1-dfw-2a) (EC2 User Guide, "Regions and Zones",
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html).

With an explicit account the CDK reads the account's zones from the context key
``availability-zones:account=<account>:region=<region>`` (cdk.json); without it `cdk synth` would have to call
EC2 DescribeAvailabilityZones, which an offline synth cannot (and ultrafleet's synth makes no AWS call).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ultrafleet.findings import Finding, error, excerpt
from ultrafleet.spec.models import Spec

ZoneLookups = Mapping[str, Sequence[str]]
"""cdk.json context: ``availability-zones:account=...:region=...`` -> the account's zone names."""


def lookup_key(account: str, region: str) -> str:
    return f"availability-zones:account={account}:region={region}"


def in_region(zone: str, region: str) -> bool:
    """Whether ``zone`` is named as a zone of ``region`` (an Availability Zone or a Local Zone)."""
    return re.fullmatch(re.escape(region) + r"(-[a-z]+-\d+)?[a-z]", zone) is not None


def check(spec: Spec) -> list[Finding]:
    return [
        error(
            "UF-PLC-006",
            f"availability_zones[{i}]",
            f"{excerpt(zone)} is not a zone of region {spec.region}; use {spec.region} plus a letter "
            f"({spec.region}a) or a Local Zone of it ({spec.region}-<location>-<n><letter>), or change region",
        )
        for i, zone in enumerate(spec.availability_zones)
        if not in_region(zone, spec.region)
    ]


def check_lookups(spec: Spec, lookups: ZoneLookups) -> list[Finding]:
    """With an account: cdk.json must hold its zone lookup, and every zone must be in it."""
    if spec.account is None:
        return []
    key = lookup_key(spec.account, spec.region)
    known = lookups.get(key)
    if known is None:
        return [
            error(
                "UF-PLC-007",
                "account",
                f"'{spec.account}': cdk.json has no zone lookup for this account in {spec.region} (context key "
                f"{key}), so an offline synth cannot place subnets; add the key with the account's zone names "
                "(aws ec2 describe-availability-zones), or leave account out",
            )
        ]
    return [
        error(
            "UF-PLC-008",
            f"availability_zones[{i}]",
            f"{excerpt(zone)} is not among account {spec.account}'s zones in {spec.region} ({', '.join(known)}, "
            "from cdk.json); pick one of them or update the lookup",
        )
        for i, zone in enumerate(spec.availability_zones)
        if zone not in known and in_region(zone, spec.region)
    ]
