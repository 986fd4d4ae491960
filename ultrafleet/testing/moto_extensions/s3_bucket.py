"""S3 from CloudFormation: the bucket properties moto 5.2.5 drops (VersioningConfiguration,
LifecycleConfiguration, PublicAccessBlockConfiguration, OwnershipControls, LoggingConfiguration) and
AWS::S3::BucketPolicy, applied through moto's own S3 backend so get_bucket_* calls return them.

moto enforces principal-* bucket policy statements but ignores their conditions, so a TLS-only policy
(Deny s3:* when aws:SecureTransport is false) denies every request. Requests to the harness count as TLS, so a
statement whose only condition is aws:SecureTransport = false can never match and is left out of the evaluation.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult
from moto.s3.models import FakeBucket, s3_backends
from moto.s3.responses import S3Response
from moto.utilities.utils import get_partition

_original_create = FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
_original_get_lifecycle = S3Response.get_bucket_lifecycle
_original_get_permission = FakeBucket.get_permission
PLAIN_HTTP_ONLY = {"Bool": {"aws:SecureTransport": "false"}}


def lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the shape of the S3 API (as moto's backend takes it)."""
    out: dict[str, Any] = {"ID": rule.get("Id"), "Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": rule["ExpirationInDays"]}
    if rule.get("ExpiredObjectDeleteMarker"):
        out["Expiration"] = {"ExpiredObjectDeleteMarker": "true"}
    if "Transitions" in rule:
        out["Transition"] = [
            {"StorageClass": t["StorageClass"], "Days": t["TransitionInDays"]} for t in rule["Transitions"]
        ]
    for key in ("NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"):
        if key in rule:
            out[key] = rule[key]
    return out


def _create(
    cls: type[FakeBucket],
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> FakeBucket:
    bucket = _original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    backend = s3_backends[account_id][get_partition(region_name)]
    props = cloudformation_json.get("Properties", {})
    if "VersioningConfiguration" in props:
        backend.put_bucket_versioning(bucket.name, props["VersioningConfiguration"]["Status"])
    if "PublicAccessBlockConfiguration" in props:
        backend.put_public_access_block(bucket.name, props["PublicAccessBlockConfiguration"])
    if "LifecycleConfiguration" in props:
        rules = props["LifecycleConfiguration"]["Rules"]
        backend.put_bucket_lifecycle(bucket.name, [lifecycle_rule(r) for r in rules])
        # moto's lifecycle model keeps NoncurrentDays only; remember NewerNoncurrentVersions per rule.
        bucket.ultrafleet_newer_noncurrent = {
            r.get("Id"): r["NoncurrentVersionExpiration"]["NewerNoncurrentVersions"]
            for r in rules
            if "NewerNoncurrentVersions" in r.get("NoncurrentVersionExpiration", {})
        }
    if "OwnershipControls" in props:
        backend.put_bucket_ownership_controls(bucket.name, props["OwnershipControls"]["Rules"][0]["ObjectOwnership"])
    if "LoggingConfiguration" in props:
        config = props["LoggingConfiguration"]
        bucket.logging = {
            "TargetBucket": config["DestinationBucketName"],
            "TargetPrefix": config.get("LogFilePrefix", ""),
        }
    return bucket


class BucketPolicyModel(CloudFormationModel):
    def __init__(self, bucket_name: str):
        self.bucket_name = bucket_name

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @property
    def physical_resource_id(self) -> str:
        return f"{self.bucket_name}-policy"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
        **kwargs: Any,
    ) -> BucketPolicyModel:
        props = cloudformation_json["Properties"]
        backend = s3_backends[account_id][get_partition(region_name)]
        backend.put_bucket_policy(props["Bucket"], json.dumps(props["PolicyDocument"]).encode())
        return cls(props["Bucket"])


def _get_bucket_lifecycle(self: S3Response) -> Any:
    """moto's GetBucketLifecycleConfiguration, plus the NewerNoncurrentVersions it does not model."""
    bucket = self.backend.get_bucket(self.bucket_name)
    newer = getattr(bucket, "ultrafleet_newer_noncurrent", {})
    serialize = self.serialized

    def with_newer(result: ActionResult) -> Any:
        for rule in result.result["Rules"]:  # type: ignore[index]
            if rule.get("ID") in newer and "NoncurrentVersionExpiration" in rule:
                rule["NoncurrentVersionExpiration"]["NewerNoncurrentVersions"] = newer[rule["ID"]]
        return serialize(result)

    self.serialized = with_newer  # type: ignore[method-assign]
    try:
        return _original_get_lifecycle(self)
    finally:
        del self.serialized


def _get_permission(self: FakeBucket, action: str, resource: str) -> Any:
    if self.policy is None:
        return _original_get_permission(self, action, resource)
    document = json.loads(self.policy)
    statements = document.get("Statement", [])
    kept = [st for st in statements if st.get("Condition") != PLAIN_HTTP_ONLY]
    if len(kept) == len(statements):
        return _original_get_permission(self, action, resource)
    original, self.policy = self.policy, json.dumps({**document, "Statement": kept}).encode()
    try:
        return _original_get_permission(self, action, resource)
    finally:
        self.policy = original


def install() -> None:
    FakeBucket.get_permission = _get_permission  # type: ignore[method-assign]
    FakeBucket.create_from_cloudformation_json = classmethod(_create)  # type: ignore[method-assign,assignment]
    S3Response.get_bucket_lifecycle = _get_bucket_lifecycle  # type: ignore[method-assign]
