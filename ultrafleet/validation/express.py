"""The S3 Express One Zone tier: the directory bucket's location is the training fleets' zone *id*, read offline
from cdk.json (ultrafleet.planning.zone_ids); its name ``base--<zone-id>--x-s3`` has at most 63 characters
(Amazon S3 User Guide, "Directory bucket naming rules"); the drain can target it only when it exists."""

from __future__ import annotations

from ultrafleet.findings import Finding, error
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.lustre import lustre_zone
from ultrafleet.planning.zone_ids import context_key, zone_ids
from ultrafleet.spec.models import Spec

MAX_BUCKET_NAME = 63


def express_zone(spec: Spec, fleets: list[ResolvedFleet]) -> str | None:
    """The zone the directory bucket goes in: the first training fleet's (where Lustre goes too)."""
    return lustre_zone(fleets)


def check(spec: Spec, fleets: list[ResolvedFleet]) -> list[Finding]:
    storage = spec.storage
    out = []
    if storage.nvme_cache and storage.nvme_cache.drain_target == "express" and storage.express_bucket is None:
        out.append(
            error(
                "UF-STO-012",
                "storage.nvme_cache.drain_target",
                "express: the spec has no storage.express_bucket; add `express_bucket: {}` or drain to s3",
            )
        )
    bucket = storage.express_bucket
    if bucket is None:
        return out
    path = "storage.express_bucket"
    zone = express_zone(spec, fleets)
    if zone is None:
        return [
            *out,
            error("UF-STO-010", path, "a directory bucket sits in a training fleet's zone; the spec has none"),
        ]
    if spec.account is None:
        return [
            *out,
            error(
                "UF-STO-010",
                path,
                f"{zone}: a directory bucket's location is a zone id, and zone names map to zone ids per account; "
                "set the spec's account and its mapping in cdk.json",
            ),
        ]
    zone_id = zone_ids(spec.account, spec.region).get(zone)
    if zone_id is None:
        out.append(
            error(
                "UF-STO-010",
                path,
                f"zone {zone} has no known zone id; add it to cdk.json context "
                f"'{context_key(spec.account, spec.region)}' (from aws ec2 describe-availability-zones)",
            )
        )
    elif bucket.base_name and len(f"{bucket.base_name}--{zone_id}--x-s3") > MAX_BUCKET_NAME:
        out.append(
            error(
                "UF-STO-013",
                f"{path}.base_name",
                f"'{bucket.base_name}': with --{zone_id}--x-s3 the name exceeds {MAX_BUCKET_NAME} characters; "
                f"use at most {MAX_BUCKET_NAME - len(f'--{zone_id}--x-s3')}",
            )
        )
    return out
