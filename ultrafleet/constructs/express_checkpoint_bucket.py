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

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3express as s3express
from constructs import Construct

from ultrafleet.spec.models import ExpressBucket

SUFFIX = "--x-s3"


def bucket_name(base_name: str, zone_id: str) -> str:
    """AWS's directory bucket naming: ``base--zone-id--x-s3``."""
    return f"{base_name}--{zone_id}{SUFFIX}"


class ExpressCheckpointBucket(Construct):
    """The directory bucket, encrypted with the checkpoint key, expiring objects after the onward copy's window.

    :param zone_id: the zone id (use1-az4) of the training fleets' zone.
    :param key: the checkpoint KMS key (SSE-KMS, Bucket Key on as AWS requires).
    :param settings: lifecycle days and an optional base name from the spec.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, zone_id: str, key: kms.IKey, settings: ExpressBucket
    ) -> None:
        super().__init__(scope, construct_id)
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
