"""Availability Zone names to zone ids, read offline from cdk.json like the CDK's zone lookups.

A zone name (us-east-1a) maps to a different physical zone in each account; the zone id (use1-az4) names the
physical zone and is what S3 Express One Zone takes as a directory bucket's location. The mapping is per account
and region, under the context key ``ultrafleet:zone-ids:account=<account>:region=<region>`` (fill it from
``aws ec2 describe-availability-zones --query 'AvailabilityZones[].[ZoneName,ZoneId]'``).
"""

from __future__ import annotations

import json
from pathlib import Path

CDK_JSON = Path(__file__).resolve().parents[2] / "cdk.json"


def context_key(account: str | None, region: str) -> str:
    return f"ultrafleet:zone-ids:account={account}:region={region}"


def zone_ids(account: str | None, region: str, cdk_json: Path = CDK_JSON) -> dict[str, str]:
    """{zone name: zone id} for the account and region; empty when cdk.json holds none."""
    if account is None or not cdk_json.is_file():
        return {}
    return dict(json.loads(cdk_json.read_text()).get("context", {}).get(context_key(account, region), {}))
