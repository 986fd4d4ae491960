"""A fleet stack: one accelerated fleet, its EFA security group, its scaling-events topic, and its link to the
checkpoint tier (its prefix policy, the Lustre clients' group, the boot-script hook)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from ultrafleet.constructs.accelerated_fleet import AcceleratedFleet
from ultrafleet.constructs.capacity_block_schedule import CapacityBlockSchedule, CapacityBlockScheduleProps
from ultrafleet.constructs.efa_security_group import EfaSecurityGroup, EfaSecurityGroupProps
from ultrafleet.constructs.fleet_nodes import UserDataHook
from ultrafleet.constructs.imex_domain import grant_peer_discovery
from ultrafleet.constructs.scheduler_fleet import SchedulerFleet
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.names import FleetNames
from ultrafleet.planning.node_lifecycle import NodeLifecycle
from ultrafleet.spec.models import EksScheduler, PcsScheduler, Role, Storage
from ultrafleet.stacks import construct_props
from ultrafleet.stacks.construct_props import Serving, scheduler_owns_nvme
from ultrafleet.stacks.fleet_checkpoint_policy import own_fleet_policy
from ultrafleet.stacks.storage_stack import StorageStack
from ultrafleet.templates import render


class FleetStack(Stack):
    """One fleet's compute. Destroying and redeploying it touches no other fleet, nor network or storage.

    One stack per fleet also keeps every stack far below CloudFormation's 500-resource limit, however many
    fleets a spec has.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        fleet: ResolvedFleet,
        vpc: ec2.IVpc,
        subnet_ids: Sequence[str] | None = None,
        storage: StorageStack,
        storage_spec: Storage,
        serving: Serving | None = None,
        names: FleetNames | None = None,
        lifecycle: NodeLifecycle | None = None,
        scheduler: EksScheduler | PcsScheduler | None = None,
        queue_name: str | None = None,
        own_checkpoint_policy: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        name = fleet.spec.name
        self.events = sns.Topic(
            self,
            "FleetEvents",
            display_name=f"ultrafleet {name} events",
            enforce_ssl=True,
            master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
        )
        efa_group = None
        if fleet.efa:
            efa_group = EfaSecurityGroup(
                self,
                f"{name}-efa",
                props=EfaSecurityGroupProps(vpc=vpc, description=f"ultrafleet {name}: EFA between members"),
            )
        training = fleet.spec.role is Role.TRAINING
        hooks, placeholders, extra_groups = [], {}, []
        if training:
            # On EKS nodeadm stripes the instance store for kubelet and containerd (docs/schedulers.md).
            tier_spec = storage_spec
            if scheduler_owns_nvme(scheduler):
                tier_spec = storage_spec.model_copy(update={"nvme_cache": None})
            hooks, placeholders = _checkpoint_hook(fleet, storage, tier_spec)
            if storage.lustre:
                extra_groups.append(storage.lustre.client_group)
        # On EKS, NVIDIA's DRA driver runs IMEX for GB200 through ComputeDomains and the host service must be left
        # to it (docs/schedulers.md); everywhere else the node sets up its UltraServer's IMEX domain at boot.
        imex = None if isinstance(scheduler, EksScheduler) else construct_props.imex(fleet)
        if imex:
            hooks = [*hooks, imex]
        if scheduler is not None:
            self.fleet = SchedulerFleet(
                self,
                name,
                props=construct_props.scheduler_fleet(
                    fleet,
                    scheduler,
                    queue_name=queue_name,
                    vpc=vpc,
                    subnet_ids=subnet_ids,
                    efa_security_group=efa_group.security_group if efa_group else None,
                    cluster_security_group=ec2.SecurityGroup.from_security_group_id(
                        self, "ClusterGroup", scheduler.cluster_security_group_id, mutable=False
                    ),
                    hooks=hooks,
                    placeholders=placeholders,
                    extra_security_groups=extra_groups,
                    group_name=names.group if names else name,
                    log_group_name=names.log_group if names else None,
                ),
            )
        else:
            self.fleet = AcceleratedFleet(
                self,
                name,
                props=construct_props.accelerated_fleet(
                    fleet,
                    serving_props=construct_props.serving(serving) if serving else None,
                    lifecycle=lifecycle,
                    vpc=vpc,
                    subnet_ids=subnet_ids,
                    efa_security_group=efa_group.security_group if efa_group else None,
                    hooks=hooks,
                    placeholders=placeholders,
                    extra_security_groups=extra_groups,
                    events_topic=self.events,
                    group_name=names.group if names else None,
                    breaker_alarm_name=names.breaker_alarm if names else None,
                    log_group_name=names.log_group if names else None,
                    watched_paths=["/", storage_spec.nvme_cache.mount_path]
                    if storage_spec.nvme_cache and fleet.instance_type.nvme
                    else ["/"],
                ),
            )
            capacity = fleet.spec.capacity
            if lifecycle and lifecycle.capacity_block and capacity.type == "capacity-block":
                CapacityBlockSchedule(
                    self,
                    "CapacityBlock",
                    props=CapacityBlockScheduleProps(
                        group=self.fleet.auto_scaling_group,
                        group_name=names.group if names else None,
                        reservation_id=capacity.reservation_id,
                        size=lifecycle.group_size,
                        times=lifecycle.capacity_block,
                    ),
                )
        if training and storage.express:
            storage.express.grant_fleet(self.fleet.role)
        if training:
            own = own_checkpoint_policy  # the policy lives in this stack, not the storage stack (docs/scale.md)
            self.fleet.role.add_managed_policy(
                own_fleet_policy(self, storage, name) if own else storage.checkpoints.fleet_policy(name)
            )
        if imex:
            grant_peer_discovery(self.fleet.role)


def _checkpoint_hook(
    fleet: ResolvedFleet, storage: StorageStack, spec: Storage
) -> tuple[list[UserDataHook], dict[str, str]]:
    from ultrafleet.planning.checkpoint import PART_SIZE_MIB

    nvme = spec.nvme_cache if fleet.instance_type.nvme else None
    script = render(
        "checkpoint_tier.sh.j2",
        fleet_name=fleet.spec.name,
        lustre=spec.lustre if storage.lustre else None,
        nvme=nvme,
        mount_path=nvme.mount_path if nvme else "",
        keep=nvme.keep_local_checkpoints if nvme else 0,
        target=nvme.drain_target if nvme else "s3",
        instance_type=fleet.instance_type.name,
        target_gbps=fleet.instance_type.cards[0].baseline_gbps or 0,
        part_mib=PART_SIZE_MIB,
        express=storage.express is not None,
    )
    values = {"CHECKPOINT_BUCKET": storage.checkpoint_bucket_name}
    if storage.lustre:
        values |= {"LUSTRE_DNS": storage.lustre.dns_name, "LUSTRE_MOUNT_NAME": storage.lustre.mount_name}
    if storage.express is not None:
        values |= {"EXPRESS_BUCKET": storage.express.bucket_name}
    return [UserDataHook(name="checkpoint-tier", script=script.rstrip("\n"))], values
