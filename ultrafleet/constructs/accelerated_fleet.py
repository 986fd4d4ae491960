"""One accelerated fleet: instance role, security groups, placement, EFA launch template and Auto Scaling group.

Health: EC2 status checks; a failed node is terminated and replaced by the group. Nodes keep no state on their
root volume (checkpoints live in the storage stack), so replacement never touches storage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Acknowledgment, CfnAutoScalingRollingUpdate, CfnUpdatePolicy, Duration, Tags, Validations
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from ultrafleet.constructs.efa_launch_template import CapacityBlockTarget, EfaLaunchTemplate
from ultrafleet.constructs.ultracluster_placement import UltraClusterPlacement
from ultrafleet.constructs.user_data import fill
from ultrafleet.planning.ami import dlami_parameter
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import GpuUtilizationScaling, Inference
from ultrafleet.templates import render

HEALTH_CHECK_GRACE = Duration.minutes(15)
"""DLAMI boot plus driver and EFA checks take several minutes on the large accelerated types."""

MANAGED_POLICIES = {
    "AmazonSSMManagedInstanceCore": "SSM Session Manager and patching without SSH keys or open ports",
    "CloudWatchAgentServerPolicy": "the CloudWatch agent publishes GPU, EFA and disk metrics and logs",
}
SCALING_EVENTS = [
    "autoscaling:EC2_INSTANCE_LAUNCH",
    "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
    "autoscaling:EC2_INSTANCE_TERMINATE",
    "autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
]


@dataclass(frozen=True, kw_only=True)
class Serving:
    """How an inference fleet is reached: its target group behind the shared load balancer."""

    target_group: elbv2.IApplicationTargetGroup
    load_balancer_group: ec2.ISecurityGroup
    request_count_label: str
    """ResourceLabel for ALBRequestCountPerTarget: <load balancer full name>/<target group full name>."""
    settings: Inference


@dataclass(frozen=True, kw_only=True)
class UserDataHook:
    """A script section another tier (e.g. the checkpoint tier) adds to every node's boot script."""

    name: str
    script: str


class AcceleratedFleet(Construct):
    """An Auto Scaling group of one accelerated type, wired for full-bandwidth EFA.

    :param fleet: the planned fleet (type, size, zones, EFA layout, capacity).
    :param vpc: its compute subnets in the fleet's zones are used.
    :param efa_security_group: shared by the fleets that talk over EFA; required when the fleet uses EFA.
    :param hooks: extra boot-script sections, run after the EFA checks; default: none.
    :param placeholders: deploy-time values for the @@NAME@@ marks in hooks; default: none.
    :param extra_security_groups: more groups for every interface (e.g. the Lustre clients'); default: none.
    :param events_topic: receives launch, terminate and error notifications; default: none.
    :param serving: for inference fleets, the target group and scaling settings; default: none (fixed size).
    :param subnet_group_name: default: "compute" (the network stack's private subnets).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        fleet: ResolvedFleet,
        vpc: ec2.IVpc,
        efa_security_group: ec2.ISecurityGroup | None,
        hooks: Sequence[UserDataHook] = (),
        placeholders: Mapping[str, str] | None = None,
        extra_security_groups: Sequence[ec2.ISecurityGroup] = (),
        events_topic: sns.ITopic | None = None,
        serving: Serving | None = None,
        subnet_group_name: str = "compute",
    ) -> None:
        super().__init__(scope, construct_id)
        Tags.of(self).add("ultrafleet:fleet", fleet.spec.name)
        Tags.of(self).add("ultrafleet:role", fleet.spec.role.value)
        if fleet.efa and efa_security_group is None:
            raise ValueError(f"efa_security_group: required for fleet {fleet.spec.name}, which uses EFA")
        spec = fleet.spec
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description=f"ultrafleet fleet {spec.name}",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(p) for p in MANAGED_POLICIES],
        )
        Validations.of(self.role).acknowledge(
            *(
                Acknowledgment(
                    id=f"AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{name}]",
                    reason=f"AWS-maintained policy for {why}; an inline copy would not receive AWS's updates",
                )
                for name, why in MANAGED_POLICIES.items()
            )
        )
        profile = iam.InstanceProfile(self, "InstanceProfile", role=self.role)
        self.node_security_group = ec2.SecurityGroup(
            self,
            "NodeGroup",
            vpc=vpc,
            allow_all_outbound=False,
            description=f"ultrafleet {spec.name}: HTTPS out to AWS APIs and package mirrors",
        )
        self.node_security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS out")
        groups = [self.node_security_group, *extra_security_groups]
        if fleet.efa and efa_security_group:
            groups.append(efa_security_group)

        image_id = spec.ami.id or ssm.StringParameter.value_for_typed_string_parameter_v2(
            self, dlami_parameter(fleet.instance_type), ssm.ParameterValueType.AWS_EC2_IMAGE_ID
        )
        capacity = spec.capacity
        user_data = render(
            "node_init.sh.j2",
            fleet_name=spec.name,
            instance_type=fleet.instance_type.name,
            efa_interfaces=fleet.efa_interfaces,
            neuron=bool(fleet.instance_type.accelerators and fleet.instance_type.accelerators.kind == "neuron"),
            hooks=list(hooks),
        )
        self.launch_template = EfaLaunchTemplate(
            self,
            "LaunchTemplate",
            instance_type=fleet.instance_type.name,
            layout=fleet.layout,
            security_groups=groups,
            instance_profile=profile,
            image_id=image_id,
            user_data=fill(user_data, placeholders or {}),
            root_volume_gib=spec.root_volume_gib,
            capacity_block=CapacityBlockTarget(reservation_id=capacity.reservation_id)
            if capacity.type == "capacity-block"
            else None,
            tags={"ultrafleet:fleet": spec.name, "ultrafleet:role": spec.role.value},
        ).launch_template

        placement_group = None
        if fleet.placement_strategy:
            placement_group = UltraClusterPlacement(
                self,
                "Placement",
                strategy=fleet.placement_strategy,
                partition_count=spec.placement.partition_count,
                existing_group_name=spec.placement.existing_group_name,
            ).group_name
        subnets = vpc.select_subnets(
            subnet_group_name=subnet_group_name, availability_zones=list(fleet.availability_zones)
        )
        reserved = capacity.type in ("capacity-reservation", "capacity-block")
        self.auto_scaling_group = autoscaling.CfnAutoScalingGroup(
            self,
            "Group",
            min_size=str(self._size(fleet, serving)[0]),
            max_size=str(self._size(fleet, serving)[1]),
            desired_capacity=str(fleet.instances),
            target_group_arns=[serving.target_group.target_group_arn] if serving else None,
            metrics_collection=[autoscaling.CfnAutoScalingGroup.MetricsCollectionProperty(granularity="1Minute")],
            vpc_zone_identifier=subnets.subnet_ids,
            placement_group=placement_group,
            health_check_type="ELB" if serving else "EC2",
            health_check_grace_period=HEALTH_CHECK_GRACE.to_seconds(),
            notification_configurations=[
                autoscaling.CfnAutoScalingGroup.NotificationConfigurationProperty(
                    topic_arn=events_topic.topic_arn, notification_types=SCALING_EVENTS
                )
            ]
            if events_topic
            else None,
            # Reserved capacity has no spare slot: terminate a failed node before launching its replacement.
            instance_maintenance_policy=autoscaling.CfnAutoScalingGroup.InstanceMaintenancePolicyProperty(
                min_healthy_percentage=90 if reserved else 100, max_healthy_percentage=100 if reserved else 110
            ),
            capacity_reservation_specification=autoscaling.CfnAutoScalingGroup.CapacityReservationSpecificationProperty(
                capacity_reservation_preference="capacity-reservations-only",
                capacity_reservation_target=autoscaling.CfnAutoScalingGroup.CapacityReservationTargetProperty(
                    capacity_reservation_ids=[capacity.reservation_id]
                ),
            )
            if capacity.type == "capacity-reservation"
            else None,
            **self._purchase(fleet, serving),
        )
        if serving:
            self._serve(fleet, serving)
        if spec.capacity.type == "spot" or (serving and serving.settings.spot_percent):
            Validations.of(self.auto_scaling_group).acknowledge(
                Acknowledgment(
                    id="AwsSolutions::AwsSolutions-EC26",
                    reason="The rule cannot resolve a launch template inside a MixedInstancesPolicy and throws; the "
                    "template's only volume is the root volume, created with Encrypted: true by EfaLaunchTemplate",
                )
            )

    @staticmethod
    def _size(fleet: ResolvedFleet, serving: Serving | None) -> tuple[int, int]:
        settings = serving.settings if serving else None
        low = settings.min_size if settings and settings.min_size is not None else fleet.instances
        return low, (settings.max_size if settings and settings.max_size else fleet.instances)

    def _serve(self, fleet: ResolvedFleet, serving: Serving) -> None:
        """Load-balancer ingress, rolling refresh on a new launch template, scaling policy and warm pool."""
        settings, group = serving.settings, self.auto_scaling_group
        self.node_security_group.add_ingress_rule(
            serving.load_balancer_group, ec2.Port.tcp(settings.port), "model server traffic from the load balancer"
        )
        low, _ = self._size(fleet, serving)
        group.cfn_options.update_policy = CfnUpdatePolicy(
            auto_scaling_rolling_update=CfnAutoScalingRollingUpdate(
                min_instances_in_service=low,
                max_batch_size=1,
                pause_time="PT5M",
                suspend_processes=[
                    "HealthCheck",
                    "ReplaceUnhealthy",
                    "AZRebalance",
                    "AlarmNotification",
                    "ScheduledActions",
                ],
            )
        )
        if settings.scaling:
            if isinstance(settings.scaling, GpuUtilizationScaling):
                target = autoscaling.CfnScalingPolicy.TargetTrackingConfigurationProperty(
                    target_value=settings.scaling.target_percent,
                    customized_metric_specification=autoscaling.CfnScalingPolicy.CustomizedMetricSpecificationProperty(
                        namespace="CWAgent",
                        metric_name="nvidia_smi_utilization_gpu",
                        statistic="Average",
                        dimensions=[
                            autoscaling.CfnScalingPolicy.MetricDimensionProperty(
                                name="AutoScalingGroupName", value=group.ref
                            )
                        ],
                    ),
                )
            else:
                target = autoscaling.CfnScalingPolicy.TargetTrackingConfigurationProperty(
                    target_value=settings.scaling.target_per_instance,
                    predefined_metric_specification=autoscaling.CfnScalingPolicy.PredefinedMetricSpecificationProperty(
                        predefined_metric_type="ALBRequestCountPerTarget", resource_label=serving.request_count_label
                    ),
                )
            autoscaling.CfnScalingPolicy(
                self,
                "Scaling",
                auto_scaling_group_name=group.ref,
                policy_type="TargetTrackingScaling",
                target_tracking_configuration=target,
            )
        if settings.warm_pool_min_size is not None:
            autoscaling.CfnWarmPool(
                self,
                "WarmPool",
                auto_scaling_group_name=group.ref,
                min_size=settings.warm_pool_min_size,
                pool_state="Stopped",
            )

    def _purchase(self, fleet: ResolvedFleet, serving: Serving | None) -> dict:
        """The launch template reference: plain, or in a mixed-instances policy (all Spot, or a Spot share above
        the minimum for inference fleets that ask for one)."""
        spec = autoscaling.CfnAutoScalingGroup.LaunchTemplateSpecificationProperty(
            launch_template_id=self.launch_template.ref,
            version=self.launch_template.attr_latest_version_number,
        )
        spot_percent = 100 if fleet.spec.capacity.type == "spot" else (serving.settings.spot_percent if serving else 0)
        if not spot_percent:
            return {"launch_template": spec}
        return {
            "capacity_rebalance": True,
            "mixed_instances_policy": autoscaling.CfnAutoScalingGroup.MixedInstancesPolicyProperty(
                launch_template=autoscaling.CfnAutoScalingGroup.LaunchTemplateProperty(
                    launch_template_specification=spec
                ),
                instances_distribution=autoscaling.CfnAutoScalingGroup.InstancesDistributionProperty(
                    on_demand_base_capacity=0 if spot_percent == 100 else self._size(fleet, serving)[0],
                    on_demand_percentage_above_base_capacity=100 - spot_percent,
                    spot_allocation_strategy="price-capacity-optimized",
                ),
            ),
        }
