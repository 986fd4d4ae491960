"""Regenerate ultrafleet/catalog/instance_types.json from EC2 DescribeInstanceTypes.

Usage: python scripts/regen_catalog.py [--region us-east-1] [--check]
Uses the default boto3 credentials (or AWS_ENDPOINT_URL, e.g. a moto server). With --check it writes nothing
and exits 1 when the shipped file differs from what AWS returns.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys

import boto3

from ultrafleet.catalog.describe import entries_from_records
from ultrafleet.catalog.generated import GENERATED_TYPES, dump_generated, load_generated_file


def fetch(region: str) -> dict:
    ec2 = boto3.client("ec2", region_name=region)
    records = []
    for page in ec2.get_paginator("describe_instance_types").paginate(InstanceTypes=list(GENERATED_TYPES)):
        records.extend(page["InstanceTypes"])
    return entries_from_records(records)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on drift")
    args = parser.parse_args()
    fresh = fetch(args.region)
    if args.check:
        shipped = load_generated_file()["instance_types"]
        drift = sorted(t for t in set(fresh) | set(shipped) if fresh.get(t) != shipped.get(t))
        print("no drift" if not drift else "drift in: " + ", ".join(drift))
        return 1 if drift else 0
    origin = os.environ.get("AWS_ENDPOINT_URL") or f"AWS {args.region}"
    dump_generated(fresh, taken=datetime.date.today().isoformat(), origin=origin)
    print(f"wrote {len(fresh)} instance types")
    return 0


if __name__ == "__main__":
    sys.exit(main())
