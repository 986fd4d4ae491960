"""What every fleet's nodes share, whoever owns their group (AcceleratedFleet's Auto Scaling group, or a scheduler's
node group in SchedulerFleet): the props, the node role, the security groups, the placement group, the boot script
and the EFA launch template. FleetNodes holds the steps; each fleet calls them in its own order (construct ids and
creation order are what keep the templates' logical ids and resource order)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from aws_cdk import Acknowledgment, Tags, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from ultrafleet.constructs import shared_values
from ultrafleet.constructs.boot_script import fit
from ultrafleet.constructs.efa_launch_template import CapacityBlockTarget, EfaLaunchTemplate, EfaLaunchTemplateProps
from ultrafleet.constructs.fleet_health import NodeHealthProps, NodeHealthScript
from ultrafleet.constructs.plain_security_group import FixedSecurityGroup
from ultrafleet.constructs.ultracluster_placement import PlacementProps, UltraClusterPlacement
from ultrafleet.planning.efa_layout import EFA_KINDS, Interface
from ultrafleet.planning.node_lifecycle import GateExpectations
from ultrafleet.templates import render

MANAGED_POLICIES = {
    "AmazonSSMManagedInstanceCore": "SSM Session Manager and patching without SSH keys or open ports",
    "CloudWatchAgentServerPolicy": "the CloudWatch agent publishes GPU, EFA and disk metrics and logs",
}

HTTPS_OUT = {"cidrIp": "0.0.0.0/0", "description": "HTTPS out", "fromPort": 443, "ipProtocol": "tcp", "toPort": 443}
"""The node group's one outbound rule: AWS APIs and package mirrors."""


class FleetRole(StrEnum):
    TRAINING = "training"
    INFERENCE = "inference"


class Accelerator(StrEnum):
    GPU = "gpu"
    NEURON = "neuron"


class Purchase(StrEnum):
    """How the instances are bought."""

    ON_DEMAND = "on-demand"
    CAPACITY_RESERVATION = "capacity-reservation"
    """A targeted On-Demand Capacity Reservation (``reservation_id``): instances launch only into it."""
    CAPACITY_BLOCK = "capacity-block"
    """A Capacity Block for ML (``reservation_id``)."""
    SPOT = "spot"


RESERVED = (Purchase.CAPACITY_RESERVATION, Purchase.CAPACITY_BLOCK)


@dataclass(frozen=True, kw_only=True)
class UserDataHook:
    """A script section another tier (e.g. the checkpoint tier) adds to every node's boot script."""

    name: str
    script: str


@dataclass(frozen=True, kw_only=True)
class NodeProps:
    """One fleet's nodes: what they are, where they run, how they are bought and what they run at boot."""

    fleet_name: str
    """Tags, descriptions and the boot script's log lines name it."""
    role: FleetRole
    instance_type: str
    accelerator: Accelerator | None
    """None: no accelerator (the CloudWatch agent reports no GPU metrics, the node loads no Neuron driver)."""
    layout: Sequence[Interface]
    """The network interfaces, in card/device order (the plan's EFA layout)."""
    gate: GateExpectations
    """What the boot health gate checks (GPUs, Neuron devices, EFA devices, Fabric Manager)."""
    vpc: ec2.IVpc
    availability_zones: Sequence[str]
    """The fleet's subnets of ``subnet_group_name`` in these zones are used."""
    efa_security_group: ec2.ISecurityGroup | None = None
    """Shared by the fleets that talk over EFA; required when ``layout`` has EFA interfaces; default: none."""
    extra_security_groups: Sequence[ec2.ISecurityGroup] = ()
    """More groups for every interface (e.g. the Lustre clients'); default: none."""
    placement: PlacementProps | None = None
    """default: no placement group."""
    purchase: Purchase = Purchase.ON_DEMAND
    reservation_id: str | None = None
    """The cr-... id; required with CAPACITY_RESERVATION and CAPACITY_BLOCK, refused otherwise."""
    root_volume_gib: int
    """Encrypted gp3 root volume size."""
    hooks: Sequence[UserDataHook] = ()
    """Extra boot-script sections, run after the EFA checks; default: none."""
    placeholders: Mapping[str, str] = field(default_factory=dict)
    """Deploy-time values for the @@NAME@@ marks in hooks; default: none."""
    log_group_name: str | None = None
    """Where the CloudWatch agent ships the node's ultrafleet logs; default: no agent setup."""
    watched_paths: Sequence[str] = ("/",)
    """Mount points whose disk use the agent reports; default: the root volume."""
    subnet_group_name: str
    """The VPC's subnet group the nodes launch in (its subnets in ``availability_zones``)."""
    subnet_ids: Sequence[str] | None = None
    """Those subnets' ids, when the caller has selected them already (a stack of many fleets selects them once);
    default: selected from ``vpc`` here."""

    @property
    def uses_efa(self) -> bool:
        return any(i.kind in EFA_KINDS for i in self.layout)


def check_nodes(props: NodeProps) -> None:
    """The guards both fleets share: contradictions between props, each named."""
    if props.uses_efa and props.efa_security_group is None:
        raise ValueError(f"efa_security_group: required for fleet {props.fleet_name}, whose layout has EFA interfaces")
    reserved = props.purchase in RESERVED
    if reserved and not props.reservation_id:
        raise ValueError(f"reservation_id: required with purchase {props.purchase.value}")
    if not reserved and props.reservation_id:
        raise ValueError(
            f"reservation_id: {props.reservation_id} needs purchase capacity-reservation or capacity-block, "
            f"not {props.purchase.value}"
        )


def cloudwatch_hook(accelerator: Accelerator | None, log_group_name: str, paths: Sequence[str]) -> UserDataHook:
    """The CloudWatch agent's setup: ultrafleet's logs, disk use of ``paths``, GPU metrics on GPU nodes."""
    script = render(
        "cloudwatch_agent.sh.j2", gpu=accelerator is Accelerator.GPU, log_group=log_group_name, paths=list(paths)
    )
    return UserDataHook(name="cloudwatch-agent", script=script.rstrip("\n"))


def boot_script(
    props: NodeProps,
    hooks: Sequence[UserDataHook],
    health: NodeHealthProps,
    *,
    group_name: str | None = None,
    breaker_alarm_name: str | None = None,
) -> str:
    """ultrafleet's node init (EFA checks, the hooks, then the CloudWatch agent when the fleet has a log group, and
    the health gate), fitted into user data's 16 KB. ``group_name`` and ``breaker_alarm_name``: NodeHealthScript.of."""
    if props.log_group_name:
        hooks = [*hooks, cloudwatch_hook(props.accelerator, props.log_group_name, props.watched_paths)]
    script = NodeHealthScript.of(
        fleet_name=props.fleet_name,
        instance_type=props.instance_type,
        gate=props.gate,
        props=health,
        group_name=group_name,
        breaker_alarm_name=breaker_alarm_name,
    )
    health_boot, health_join = script.boot_sections()
    script = render(
        "node_init.sh.j2",
        fleet_name=props.fleet_name,
        instance_type=props.instance_type,
        efa_interfaces=sum(1 for i in props.layout if i.kind in EFA_KINDS),
        neuron=props.accelerator is Accelerator.NEURON,
        hooks=list(hooks),
        health_boot=health_boot,
        health_join=health_join,
    )
    return fit(script)


class FleetNodes(Construct):
    """The steps of building a fleet's nodes; AcceleratedFleet and SchedulerFleet call them in their own order."""

    role: iam.Role
    node_security_group: FixedSecurityGroup

    def __init__(self, scope: Construct, construct_id: str, props: NodeProps) -> None:
        super().__init__(scope, construct_id)
        tags = Tags.of(self)
        tags.add("ultrafleet:fleet", props.fleet_name)
        tags.add("ultrafleet:role", props.role.value)
        check_nodes(props)

    def _node_role(self, description: str, policies: Mapping[str, str], path: str | None = None) -> iam.Role:
        """The instances' role ("Role") with AWS-managed ``policies`` (name -> why), acknowledged for cdk-nag."""
        role = iam.Role(
            self,
            "Role",
            assumed_by=shared_values.service_principal("ec2.amazonaws.com"),
            description=description,
            path=path,
            managed_policies=[shared_values.aws_managed_policy(p) for p in policies],
        )
        acknowledge_managed_policies(role, policies)
        return role

    def _security_groups(self, props: NodeProps, *shared: ec2.ISecurityGroup) -> list[str]:
        """The fleet's own group ("NodeGroup": HTTPS out, nothing else), then ``shared``, the extra groups and the
        EFA group: the ids of the groups every interface carries."""
        self.node_security_group = FixedSecurityGroup(
            self,
            "NodeGroup",
            vpc_id=shared_values.vpc_id(props.vpc),
            description=f"ultrafleet {props.fleet_name}: HTTPS out to AWS APIs and package mirrors",
            egress=[HTTPS_OUT],
        )
        groups = [*shared, *props.extra_security_groups]
        if props.efa_security_group:
            groups.append(props.efa_security_group)
        return [self.node_security_group.group_id, *(g.security_group_id for g in groups)]

    def _placement_group(self, props: NodeProps) -> str | None:
        """The placement group ("Placement") when the props ask for one."""
        if props.placement is None:
            return None
        return UltraClusterPlacement(self, "Placement", props=props.placement).group_name

    def _launch_template(
        self,
        props: NodeProps,
        *,
        group_ids: Sequence[str],
        user_data: str,
        instance_profile: iam.IInstanceProfile | None,
        image_id: str | None,
        root_device: str | None = None,
        placement_group_name: str | None = None,
        reservation_in_template: bool = False,
    ) -> ec2.CfnLaunchTemplate:
        """The EFA launch template ("LaunchTemplate"). A Capacity Block always targets its block here; a Capacity
        Reservation only with ``reservation_in_template`` (when no Auto Scaling group of ours carries it)."""
        block = props.purchase is Purchase.CAPACITY_BLOCK
        extra = {"root_device": root_device} if root_device else {}
        template = EfaLaunchTemplateProps(
            instance_type=props.instance_type,
            layout=props.layout,
            security_group_ids=group_ids,
            instance_profile=instance_profile,
            image_id=image_id,
            user_data=user_data,
            root_volume_gib=props.root_volume_gib,
            capacity_block=CapacityBlockTarget(reservation_id=props.reservation_id) if block else None,
            tags={"ultrafleet:fleet": props.fleet_name, "ultrafleet:role": props.role.value},
            placement_group_name=placement_group_name,
            capacity_reservation_id=props.reservation_id
            if reservation_in_template and props.purchase is Purchase.CAPACITY_RESERVATION
            else None,
            **extra,
        )
        return EfaLaunchTemplate(self, "LaunchTemplate", props=template).launch_template

    @staticmethod
    def _subnet_ids(props: NodeProps) -> list[str]:
        if props.subnet_ids is not None:
            return list(props.subnet_ids)
        return props.vpc.select_subnets(
            subnet_group_name=props.subnet_group_name, availability_zones=list(props.availability_zones)
        ).subnet_ids


def acknowledge_managed_policies(role: iam.IRole, policies: Mapping[str, str]) -> None:
    """cdk-nag's IAM4 acknowledged for each AWS-managed policy on a fleet role, with why the fleet needs it."""
    Validations.of(role).acknowledge(
        *(
            Acknowledgment(
                id=f"AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{name}]",
                reason=f"AWS-maintained policy for {why}; an inline copy would not receive AWS's updates",
            )
            for name, why in policies.items()
        )
    )
