"""The spec and plan mapped into the constructs' own props: the one place a construct's input is read from a spec.

The constructs never see the spec (they can be built and tested in a bare ``Stack``); the stacks call these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from ultrafleet.constructs.accelerated_fleet import AcceleratedFleetProps, ScalingMetric, ServingProps, TargetTracking
from ultrafleet.constructs.checkpoint_bucket import AccessLogging, CheckpointBucketProps, CheckpointTransition
from ultrafleet.constructs.express_checkpoint_bucket import ExpressCheckpointBucketProps
from ultrafleet.constructs.fleet_health import NodeHealthProps
from ultrafleet.constructs.fleet_nodes import Accelerator, FleetRole, Purchase, UserDataHook
from ultrafleet.constructs.imex_domain import imex_hook
from ultrafleet.constructs.inference_load_balancer import FleetRoute, FleetTarget, LoadBalancerProps
from ultrafleet.constructs.lustre_checkpoint_fs import LustreDeploymentType, LustreProps
from ultrafleet.constructs.scheduler_fleet import EksNodeGroup, PcsNodeGroup, SchedulerFleetProps
from ultrafleet.constructs.ultracluster_placement import PlacementProps
from ultrafleet.planning import scheduler as scheduling
from ultrafleet.planning.ami import dlami_parameter
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.network import COMPUTE_SUBNET_GROUP, PUBLIC_SUBNET_GROUP
from ultrafleet.planning.node_lifecycle import NodeLifecycle, gate_expectations
from ultrafleet.planning.ultraservers import imex_domain_size
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
        # The DeploymentPlan resolved the throughput (planning/lustre.py holds the default).
        throughput_mb_s_per_tib=settings.throughput_mb_s_per_tib if persistent else None,
        retain_on_delete=settings.retain_on_delete,
        efa=settings.efa,
    )


def load_balancer(settings: models.LoadBalancer, *, vpc: ec2.IVpc, logs_bucket: s3.IBucket) -> LoadBalancerProps:
    group = COMPUTE_SUBNET_GROUP if settings.internal else PUBLIC_SUBNET_GROUP
    return LoadBalancerProps(
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_group_name=group),
        logs_bucket=logs_bucket,
        internal=settings.internal,
        certificate_arn=settings.certificate_arn,
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


@dataclass(frozen=True, kw_only=True)
class Serving:
    """How an inference fleet is reached: its target group behind the shared load balancer (the stacks' wiring,
    mapped into the fleet construct's ServingProps by ``serving``)."""

    target_group: elbv2.IApplicationTargetGroup
    load_balancer_group: ec2.ISecurityGroup
    request_count_label: str
    """ResourceLabel for ALBRequestCountPerTarget: <load balancer full name>/<target group full name>."""
    settings: models.Inference


def serving(wiring: Serving) -> ServingProps:
    settings, scaling = wiring.settings, wiring.settings.scaling
    return ServingProps(
        target_group=wiring.target_group,
        load_balancer_group=wiring.load_balancer_group,
        request_count_label=wiring.request_count_label,
        port=settings.port,
        min_size=settings.min_size,
        max_size=settings.max_size,
        scaling=None
        if scaling is None
        else TargetTracking(metric=ScalingMetric.GPU_UTILIZATION, target_value=scaling.target_percent)
        if isinstance(scaling, models.GpuUtilizationScaling)
        else TargetTracking(metric=ScalingMetric.REQUEST_COUNT, target_value=scaling.target_per_instance),
        spot_percent=settings.spot_percent,
        warm_pool_min_size=settings.warm_pool_min_size,
    )


def nodes(fleet: ResolvedFleet, **wiring: Any) -> dict[str, Any]:
    """The NodeProps fields of a planned fleet; ``wiring``: the stack's objects and hooks (vpc, groups, ...)."""
    spec, itype = fleet.spec, fleet.instance_type
    placement = spec.placement
    return {
        "fleet_name": spec.name,
        "role": FleetRole(spec.role.value),
        "instance_type": itype.name,
        "accelerator": Accelerator(itype.accelerator_kind) if itype.accelerator_kind else None,
        "layout": fleet.layout,
        "gate": gate_expectations(fleet),
        "availability_zones": fleet.availability_zones,
        "placement": PlacementProps(
            strategy=ec2.PlacementGroupStrategy[fleet.placement_strategy.name],
            partition_count=placement.partition_count,
            existing_group_name=placement.existing_group_name,
        )
        if fleet.placement_strategy
        else None,
        "purchase": Purchase(spec.capacity.type),
        "reservation_id": getattr(spec.capacity, "reservation_id", None),
        "root_volume_gib": spec.root_volume_gib,
        "subnet_group_name": COMPUTE_SUBNET_GROUP,
        **wiring,
    }


def health(fleet: ResolvedFleet, lifecycle: NodeLifecycle | None) -> NodeHealthProps:
    """The node-health props a planned fleet asks for."""
    settings = fleet.spec.health
    return NodeHealthProps(
        self_repair=settings.self_repair,
        max_unhealthy_percent=settings.max_unhealthy_percent,
        check_interval_minutes=settings.check_interval_minutes,
        termination_heartbeat_seconds=lifecycle.termination.heartbeat_seconds
        if lifecycle and lifecycle.termination
        else None,
    )


def accelerated_fleet(
    fleet: ResolvedFleet, *, serving_props: ServingProps | None, lifecycle: NodeLifecycle | None, **wiring: Any
) -> AcceleratedFleetProps:
    spec = fleet.spec
    return AcceleratedFleetProps(
        **nodes(fleet, **wiring),
        desired_capacity=fleet.instances + spec.spares,
        image_id=spec.ami.id,
        image_parameter=None if spec.ami.id else dlami_parameter(fleet.instance_type),
        serving=serving_props,
        health=health(fleet, lifecycle),
    )


def scheduler_fleet(
    fleet: ResolvedFleet,
    scheduler: models.EksScheduler | models.PcsScheduler,
    *,
    queue_name: str | None,
    **wiring: Any,
) -> SchedulerFleetProps:
    inference = fleet.spec.inference
    low = inference.min_size if inference and inference.min_size is not None else fleet.instances
    high = inference.max_size if inference and inference.max_size else fleet.instances
    is_eks = isinstance(scheduler, models.EksScheduler)
    return SchedulerFleetProps(
        **nodes(fleet, **wiring),
        desired_size=fleet.instances,
        min_size=low,
        max_size=high,
        root_device=scheduling.AL2023_ROOT_DEVICE if is_eks else scheduler.root_device_name,
        eks=EksNodeGroup(
            cluster_name=scheduler.cluster_name,
            kubernetes_version=scheduler.kubernetes_version,
            release_version=scheduler.release_version,
            capacity_type=scheduling.eks_capacity_type(fleet.spec),
            ami_type=scheduling.ami_type(fleet.instance_type),
            labels=scheduling.node_labels(fleet, scheduler),
            taints=scheduling.node_taints(fleet, scheduler),
            repair_config=scheduling.repair_config(fleet.spec, scheduler),
            topology_labels=scheduling.boot_labels_needed(fleet),
            ultraserver=fleet.ultraserver is not None,
            raid0_instance_store=fleet.instance_type.nvme is not None,
        )
        if is_eks
        else None,
        pcs=None
        if is_eks
        else PcsNodeGroup(
            cluster_id=scheduler.cluster_id,
            ami_id=scheduler.ami_id,
            purchase_option=scheduling.pcs_purchase_option(fleet.spec),
            queue_name=queue_name,
        ),
    )


def scheduler_owns_nvme(scheduler: models.EksScheduler | models.PcsScheduler | None) -> bool:
    """EKS's nodeadm builds the instance-store RAID0 (for kubelet and containerd); under PCS, or without a
    scheduler, ultrafleet's checkpoint tier builds its own array."""
    return isinstance(scheduler, models.EksScheduler)


def imex(fleet: ResolvedFleet) -> UserDataHook | None:
    """The IMEX hook of a GB200 UltraServer fleet; None for every other fleet."""
    size = imex_domain_size(fleet)
    return None if size is None else imex_hook(fleet.instance_type.name, size)
