"""The checkpoint bucket: versioned, KMS-encrypted, private, TLS-only, retained, with a lifecycle that keeps cost
down and loses nothing (replaced versions are kept for a while, the newest few always)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aws_cdk import Acknowledgment, Aws, Duration, FeatureFlags, RemovalPolicy, Stack, Validations
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ultrafleet.constructs.scanner_acks import acknowledge

CHECKPOINT_PREFIX = "checkpoints/"
ACCESS_LOG_RETENTION = Duration.days(365)
LOGS_BY_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"
S3_VIA_SERVICE = f"s3.{Aws.REGION}.amazonaws.com"
"""The checkpoint key's kms:ViaService: S3 in the region of the stack that renders it (AWS::Region read once, not
once per fleet)."""


class AccessLogging(StrEnum):
    SERVER_ACCESS_LOGS = "server-access-logs"
    """S3 server access logs into the log bucket (prefix checkpoint-bucket/)."""
    CLOUDTRAIL_DATA_EVENTS = "cloudtrail-data-events"
    """A single-region trail of the bucket's data events into the log bucket (prefix cloudtrail/)."""


@dataclass(frozen=True, kw_only=True)
class CheckpointTransition:
    """Move objects under checkpoints/ to a cheaper storage class."""

    storage_class: s3.StorageClass
    after_days: int
    """Days after an object is written."""


@dataclass(frozen=True, kw_only=True)
class CheckpointBucketProps:
    """The bucket's lifecycle and logging. The numbers are the spec's (its defaults live there): all required."""

    key: kms.IKey
    """The customer-managed KMS key that encrypts checkpoints (with an S3 Bucket Key)."""
    abort_incomplete_multipart_days: int
    noncurrent_version_expiration_days: int
    """Days a replaced or deleted version is kept."""
    noncurrent_versions_to_keep: int
    """Newest noncurrent versions kept regardless of age."""
    transition: CheckpointTransition | None
    """None: checkpoints stay in STANDARD."""
    access_logging: AccessLogging
    bucket_name: str | None = None
    """default: a name CloudFormation generates."""
    expire_checkpoints_after_days: int | None = None
    """Expire objects under checkpoints/ this many days after they are written; default: never."""


class CheckpointBucket(Construct):
    """The bucket, its access-log bucket (server access logs or CloudTrail data events) and the lifecycle rules.

    Needs the feature flag ``LOGS_BY_BUCKET_POLICY`` (set in cdk.json): log delivery
    is granted by bucket policy, since the log bucket disables ACLs.

    ``bucket`` holds the checkpoints, ``logs_bucket`` its access logs; ``fleet_policy`` grants one fleet its prefix.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: CheckpointBucketProps) -> None:
        super().__init__(scope, construct_id)
        settings, key = props, props.key
        if not FeatureFlags.of(self).is_enabled(LOGS_BY_BUCKET_POLICY):
            raise ValueError(
                f"feature flag {LOGS_BY_BUCKET_POLICY} must be on (cdk.json sets it): the log bucket has no ACLs"
            )
        self.logs_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # S3 server access logs cannot be written with SSE-KMS
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=ACCESS_LOG_RETENTION,
                    noncurrent_version_expiration=Duration.days(1),
                )
            ],
        )
        acknowledge(
            self.logs_bucket.node.default_child,
            checkov={
                "CKV_AWS_18": "This is the access-log bucket itself. The S3 User Guide ('Enabling Amazon S3 server "
                "access logging') advises against delivering a bucket's logs to itself, which loops; logging it to yet "
                "another bucket only moves the finding there"
            },
        )
        server_logs = settings.access_logging is AccessLogging.SERVER_ACCESS_LOGS
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=settings.bucket_name,
            versioned=True,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=RemovalPolicy.RETAIN,
            server_access_logs_bucket=self.logs_bucket if server_logs else None,
            server_access_logs_prefix="checkpoint-bucket/" if server_logs else None,
            lifecycle_rules=lifecycle_rules(settings),
        )
        if not server_logs:
            trail = cloudtrail.Trail(
                self,
                "DataEvents",
                bucket=self.logs_bucket,
                s3_key_prefix="cloudtrail",
                is_multi_region_trail=False,
                include_global_service_events=False,
                management_events=cloudtrail.ReadWriteType.NONE,
                enable_file_validation=True,
            )
            trail.add_s3_event_selector(
                [cloudtrail.S3EventSelector(bucket=self.bucket)],
                read_write_type=cloudtrail.ReadWriteType.ALL,
                include_management_events=False,
            )

        self._key = key
        self._arns = (self.bucket.bucket_arn, key.key_arn)
        self._bucket_id = Stack.of(self).get_logical_id(self.bucket.node.default_child)

    def fleet_policy(self, fleet: str) -> iam.IManagedPolicy:
        """A policy for one fleet's role: its own checkpoints/<fleet>/ prefix only, explicit actions, and the key
        only through S3. Owned here (not by the fleet stack) so the bucket's stack decides who touches what.

        Written as one CloudFormation-shaped document: every statement object is a jsii round trip, and a spec
        may have many fleets (bench/run.py)."""
        prefix = f"{CHECKPOINT_PREFIX}{fleet}/"
        document = fleet_policy_document(fleet, *self._arns)
        policy = iam.CfnManagedPolicy(
            self, f"Fleet-{fleet}", policy_document=document, description=f"ultrafleet: {fleet} checkpoints"
        )
        Validations.of(policy).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions::AwsSolutions-IAM5[Resource::<{self._bucket_id}.Arn>/{prefix}*]",
                reason=f"Object keys under {prefix} are the fleet's own checkpoints; the wildcard is the key suffix",
            )
        )
        return iam.ManagedPolicy.from_managed_policy_arn(self, f"Fleet-{fleet}-Ref", policy.ref)


def fleet_policy_document(fleet: str, bucket_arn: str, key_arn: str) -> dict:
    """One fleet's checkpoint access: its own checkpoints/<fleet>/ prefix only, explicit actions, and the key only
    through S3 (a CloudFormation-shaped document: every statement object would be a jsii round trip)."""
    prefix = f"{CHECKPOINT_PREFIX}{fleet}/"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "FleetCheckpointObjects",
                "Effect": "Allow",
                "Resource": f"{bucket_arn}/{prefix}*",
                "Action": [
                    "s3:GetObject",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                    "s3:ListMultipartUploadParts",
                ],
            },
            {
                "Sid": "FleetCheckpointListing",
                "Effect": "Allow",
                "Resource": bucket_arn,
                "Action": "s3:ListBucket",
                "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}},
            },
            {
                "Sid": "CheckpointKeyThroughS3",
                "Effect": "Allow",
                "Resource": key_arn,
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Condition": {"StringEquals": {"kms:ViaService": S3_VIA_SERVICE}},
            },
        ],
    }


def lifecycle_rules(settings: CheckpointBucketProps) -> list[s3.LifecycleRule]:
    rules = [
        s3.LifecycleRule(
            id="abort-incomplete-multipart-uploads",
            abort_incomplete_multipart_upload_after=Duration.days(settings.abort_incomplete_multipart_days),
        ),
        s3.LifecycleRule(
            id="expire-noncurrent-versions",
            noncurrent_version_expiration=Duration.days(settings.noncurrent_version_expiration_days),
            noncurrent_versions_to_retain=settings.noncurrent_versions_to_keep,
        ),
        s3.LifecycleRule(id="remove-expired-delete-markers", expired_object_delete_marker=True),
    ]
    if settings.transition:
        rules.append(
            s3.LifecycleRule(
                id="transition-checkpoints",
                prefix=CHECKPOINT_PREFIX,
                transitions=[
                    s3.Transition(
                        storage_class=settings.transition.storage_class,
                        transition_after=Duration.days(settings.transition.after_days),
                    )
                ],
            )
        )
    if settings.expire_checkpoints_after_days:
        rules.append(
            s3.LifecycleRule(
                id="expire-checkpoints",
                prefix=CHECKPOINT_PREFIX,
                expiration=Duration.days(settings.expire_checkpoints_after_days),
            )
        )
    return rules
