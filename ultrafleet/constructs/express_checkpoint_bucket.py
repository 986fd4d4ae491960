"""An S3 Express One Zone directory bucket in the training fleets' zone: the fast durable checkpoint tier.

What AWS allows for directory buckets (Amazon S3 User Guide, "Working with directory buckets"; the
AWS::S3Express::DirectoryBucket schema): the location is a zone *id* (LocationName) with DataRedundancy
SingleAvailabilityZone; the name is ``base--<zone-id>--x-s3`` (CloudFormation generates one when none is given);
default encryption is SSE-S3 or SSE-KMS with a customer managed key, and S3 Bucket Keys are always on for SSE-KMS;
lifecycle rules can only expire objects and abort incomplete multipart uploads (no transitions, no versioning).
Access is through session authentication: ``s3express:CreateSession`` on the bucket, then object calls within the
session; with SSE-KMS the caller also needs the key for GenerateDataKey and Decrypt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import Aws, RemovalPolicy, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3express as s3express
from constructs import Construct

SUFFIX = "--x-s3"
ZONE_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*-az[0-9]+")
"""A zone id (use1-az4, or a Local Zone's usw2-lax1-az1), not a zone name (us-east-1a)."""


@dataclass(frozen=True, kw_only=True)
class ExpressCheckpointBucketProps:
    """The directory bucket's zone, key and lifecycle. The days are the spec's (its defaults live there)."""

    zone_id: str
    """The zone id (use1-az4) of the training fleets' zone: directory buckets are placed by zone id."""
    key: kms.IKey
    """The checkpoint KMS key (SSE-KMS; S3 Express always uses a Bucket Key with it)."""
    expire_after_days: int
    """Days an object lives before S3 Lifecycle expires it (the regional bucket keeps the onward copy)."""
    abort_incomplete_multipart_days: int
    base_name: str | None = None
    """The name before ``--<zone-id>--x-s3``; default: a name CloudFormation generates."""


def bucket_name(base_name: str, zone_id: str) -> str:
    """AWS's directory bucket naming: ``base--zone-id--x-s3``."""
    return f"{base_name}--{zone_id}{SUFFIX}"


class ExpressCheckpointBucket(Construct):
    """The directory bucket, encrypted with the checkpoint key, expiring objects after the onward copy's window.

    ``bucket_name`` and ``bucket_arn`` name it; ``grant_fleet`` lets a fleet's role drain into it.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: ExpressCheckpointBucketProps) -> None:
        super().__init__(scope, construct_id)
        zone_id, key, settings = props.zone_id, props.key, props
        if not Token.is_unresolved(zone_id) and not ZONE_ID.fullmatch(zone_id):
            raise ValueError(f"zone_id: {zone_id!r} is not a zone id; pass the zone's id (like use1-az4), not its name")
        self._key = key
        rule = s3express.CfnDirectoryBucket.ServerSideEncryptionRuleProperty(
            bucket_key_enabled=True,
            server_side_encryption_by_default=s3express.CfnDirectoryBucket.ServerSideEncryptionByDefaultProperty(
                sse_algorithm="aws:kms", kms_master_key_id=key.key_arn
            ),
        )
        self.bucket = s3express.CfnDirectoryBucket(
            self,
            "Bucket",
            location_name=zone_id,
            data_redundancy="SingleAvailabilityZone",
            bucket_name=bucket_name(settings.base_name, zone_id) if settings.base_name else None,
            bucket_encryption=s3express.CfnDirectoryBucket.BucketEncryptionProperty(
                server_side_encryption_configuration=[rule]
            ),
            lifecycle_configuration=s3express.CfnDirectoryBucket.LifecycleConfigurationProperty(
                rules=[
                    s3express.CfnDirectoryBucket.RuleProperty(
                        id="expire-after-onward-copy",
                        status="Enabled",
                        expiration_in_days=settings.expire_after_days,
                        abort_incomplete_multipart_upload=s3express.CfnDirectoryBucket.AbortIncompleteMultipartUploadProperty(
                            days_after_initiation=settings.abort_incomplete_multipart_days
                        ),
                    )
                ]
            ),
        )
        self.bucket.apply_removal_policy(RemovalPolicy.RETAIN)
        self.bucket_name = self.bucket.ref
        self.bucket_arn = self.bucket.attr_arn

    def grant_fleet(self, role: iam.IRole) -> None:
        """Sessions on the bucket (read-write) and the key through S3 Express, for a fleet's drain."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ExpressCheckpointSessions", actions=["s3express:CreateSession"], resources=[self.bucket_arn]
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ExpressCheckpointKey",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[self._key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3express.{Aws.REGION}.amazonaws.com"}},
            )
        )
