"""The checkpoint bucket: versioned, KMS-encrypted, private, TLS-only, retained, with a lifecycle that keeps cost
down and loses nothing (replaced versions are kept for a while, the newest few always)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Aws, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ultrafleet.constructs.scanner_acks import acknowledge
from ultrafleet.spec.models import AccessLogging
from ultrafleet.spec.models import CheckpointBucket as BucketSpec

CHECKPOINT_PREFIX = "checkpoints/"
ACCESS_LOG_RETENTION = Duration.days(365)


class CheckpointBucket(Construct):
    """The bucket, its access-log bucket (server access logs or CloudTrail data events) and the lifecycle rules.

    Needs the feature flag ``@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`` (set in cdk.json): log delivery
    is granted by bucket policy, since the log bucket disables ACLs.

    :param key: the customer-managed KMS key that encrypts checkpoints.
    :param settings: lifecycle and logging settings from the spec.
    """

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey, settings: BucketSpec) -> None:
        super().__init__(scope, construct_id)
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
        bucket_arn, key_arn = self._arns
        document = {
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
                    "Condition": {"StringEquals": {"kms:ViaService": f"s3.{Aws.REGION}.amazonaws.com"}},
                },
            ],
        }
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


def lifecycle_rules(settings: BucketSpec) -> list[s3.LifecycleRule]:
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
                        storage_class=s3.StorageClass(settings.transition.storage_class.value),
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
