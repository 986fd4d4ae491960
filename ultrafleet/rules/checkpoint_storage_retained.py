"""UF-R007: stateful checkpoint storage (S3 buckets, FSx file systems, KMS keys) is retained when its stack is
deleted or the resource replaced, so no deploy can destroy checkpoints."""

from __future__ import annotations

from typing import Any

from ultrafleet.rules.base import App, Compliance, Rule

STATEFUL = ("AWS::S3::Bucket", "AWS::FSx::FileSystem", "AWS::KMS::Key")


def check(stack: str, logical_id: str, resource: dict[str, Any], app: App) -> Compliance:
    if resource["Type"] not in STATEFUL:
        return Compliance.NOT_APPLICABLE
    retained = resource.get("DeletionPolicy") == "Retain" and resource.get("UpdateReplacePolicy") == "Retain"
    return Compliance.COMPLIANT if retained else Compliance.NON_COMPLIANT


RULE = Rule(id="UF-R007", description="S3 buckets, FSx file systems and KMS keys are retained", check=check)
