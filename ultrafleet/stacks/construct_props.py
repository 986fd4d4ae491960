"""The spec and plan mapped into the constructs' own props: the one place a construct's input is read from a spec.

The constructs never see the spec (they can be built and tested in a bare ``Stack``); the stacks call these.
"""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from ultrafleet.constructs.checkpoint_bucket import AccessLogging, CheckpointBucketProps, CheckpointTransition
from ultrafleet.constructs.express_checkpoint_bucket import ExpressCheckpointBucketProps
from ultrafleet.constructs.inference_load_balancer import FleetRoute, FleetTarget, LoadBalancerProps
from ultrafleet.constructs.lustre_checkpoint_fs import LustreDeploymentType, LustreProps
from ultrafleet.planning.checkpoint import DEFAULT_PERSISTENT_2_MB_S_PER_TIB
from ultrafleet.spec import models


def checkpoint_bucket(settings: models.CheckpointBucket, key: kms.IKey) -> CheckpointBucketProps:
    transition = settings.transition
    return CheckpointBucketProps(
        key=key,
        bucket_name=settings.bucket_name,
        abort_incomplete_multipart_days=settings.abort_incomplete_multipart_days,
        noncurrent_version_expiration_days=settings.noncurrent_version_expiration_days,
        noncurrent_versions_to_keep=settings.noncurrent_versions_to_keep,
        transition=CheckpointTransition(
            storage_class=s3.StorageClass(transition.storage_class.value), after_days=transition.after_days
        )
        if transition
        else None,
        expire_checkpoints_after_days=settings.expire_checkpoints_after_days,
        access_logging=AccessLogging(settings.access_logging.value),
    )


def express_bucket(settings: models.ExpressBucket, zone_id: str, key: kms.IKey) -> ExpressCheckpointBucketProps:
    return ExpressCheckpointBucketProps(
        zone_id=zone_id,
        key=key,
        expire_after_days=settings.expire_after_days,
        abort_incomplete_multipart_days=settings.abort_incomplete_multipart_days,
        base_name=settings.base_name,
    )


def lustre(
    settings: models.Lustre, *, vpc: ec2.IVpc, subnet: ec2.ISubnet, key: kms.IKey, bucket: s3.IBucket
) -> LustreProps:
    deployment = LustreDeploymentType(settings.deployment_type)
    persistent = deployment is LustreDeploymentType.PERSISTENT_2
    return LustreProps(
        vpc=vpc,
        subnet=subnet,
        key=key,
        bucket=bucket,
        deployment_type=deployment,
        storage_capacity_gib=settings.storage_capacity_gib,
        # The planned throughput (the DeploymentPlan's, once it carries the Lustre plan).
        throughput_mb_s_per_tib=(settings.throughput_mb_s_per_tib or DEFAULT_PERSISTENT_2_MB_S_PER_TIB)
        if persistent
        else None,
        retain_on_delete=settings.retain_on_delete,
        efa=settings.efa,
    )


def load_balancer(settings: models.LoadBalancer, *, vpc: ec2.IVpc, logs_bucket: s3.IBucket) -> LoadBalancerProps:
    return LoadBalancerProps(
        vpc=vpc, logs_bucket=logs_bucket, internal=settings.internal, certificate_arn=settings.certificate_arn
    )


def fleet_target(name: str, settings: models.Inference) -> FleetTarget:
    route = settings.route
    return FleetTarget(
        name=name,
        port=settings.port,
        health_check_path=settings.health_check_path,
        route=FleetRoute(
            priority=route.priority,
            path_patterns=tuple(route.path_patterns),
            header_name=route.header_name,
            header_values=tuple(route.header_values),
        )
        if route
        else None,
    )
