"""The observability stack: an alarm topic, a log group per fleet, a dashboard and alarms for the deployment.

It refers to fleets by their conventional names (FleetNames), never by cross-stack exports, so any fleet stack
can still be destroyed on its own. It does reference the load balancer, which lives as long as the deployment.
A spec whose fleets do not fit one stack gets shards (ultrafleet.stacks.observability_shards): each later shard
holds its fleets' log groups, alarms and a dashboard of its own, and uses the first one's topic and logs key.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from ultrafleet.constructs import shared_values
from ultrafleet.constructs.fleet_health_alarms import FleetHealthAlarms
from ultrafleet.constructs.logs_key import logs_key
from ultrafleet.planning.deployment_plan import FleetPlan
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.names import FleetNames, log_group_prefix
from ultrafleet.planning.node_lifecycle import has_termination_hook
from ultrafleet.spec.models import Inference, Role, Spec
from ultrafleet.stacks.inference_stack import InferenceStack

LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
PENDING_CHECKPOINTS_ALARM = 3
"""Finished checkpoints still on NVMe, not yet verified in S3 or Lustre, that raise the alarm (for 30 minutes)."""


class ObservabilityStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: Spec,
        fleets: Sequence[FleetPlan],
        inference: InferenceStack | None,
        first: ObservabilityStack | None = None,
        dashboard_name: str | None = None,
        **kwargs,
    ) -> None:
        """``first``: the first shard, whose topic and logs key a later shard uses (default: this stack is the
        first and holds them). ``dashboard_name``: default ``ultrafleet-<spec>``."""
        super().__init__(scope, construct_id, **kwargs)
        if first is None:
            self.alarms: sns.ITopic = sns.Topic(
                self,
                "Alarms",
                display_name=f"ultrafleet {spec.name} alarms",
                enforce_ssl=True,
                master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
            )
        else:
            self.alarms = first.alarms
        action = cw_actions.SnsAction(self.alarms)
        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=dashboard_name or f"ultrafleet-{spec.name}")
        if first is None:
            self.logs_key: kms.IKey = logs_key(
                self,
                "LogsKey",
                log_group_names=f"{log_group_prefix(spec.name)}*",
                description="ultrafleet: encrypts fleet logs",
            )
        else:
            self.logs_key = first.logs_key
        key = self.logs_key
        for planned in fleets:
            fleet, names = planned.fleet, planned.names
            logs.LogGroup(
                self,
                f"{fleet.spec.name}-logs",
                log_group_name=names.log_group,
                retention=LOG_RETENTION,
                encryption_key=key,
            )
            self._fleet_row(fleet, names, inference, action)
            self._health_row(spec, fleet, names, action)

    def _fleet_row(
        self, fleet: ResolvedFleet, names: FleetNames, inference: InferenceStack | None, action: cw_actions.SnsAction
    ) -> None:
        group = {"AutoScalingGroupName": names.group}
        size = [
            cw.Metric(
                namespace="AWS/AutoScaling",
                metric_name=m,
                dimensions_map=group,
                statistic="Average",
                period=shared_values.minutes(1),
            )
            for m in ("GroupDesiredCapacity", "GroupInServiceInstances")
        ]
        widgets: list[cw.IWidget] = [cw.GraphWidget(title=f"{fleet.spec.name}: instances", left=size, width=8)]
        if fleet.instance_type.accelerator_kind == "gpu":
            gpu = cw.Metric(
                namespace="CWAgent",
                metric_name="nvidia_smi_utilization_gpu",
                dimensions_map=group,
                statistic="Average",
                period=shared_values.minutes(1),
            )
            widgets.append(cw.GraphWidget(title=f"{fleet.spec.name}: GPU utilization %", left=[gpu], width=8))
        disk = cw.Metric(
            namespace="CWAgent",
            metric_name="disk_used_percent",
            dimensions_map=group,
            statistic="Maximum",
            period=shared_values.minutes(5),
        )
        widgets.append(cw.GraphWidget(title=f"{fleet.spec.name}: disk used %", left=[disk], width=8))
        if fleet.spec.role is Role.TRAINING and fleet.instance_type.nvme:
            pending = cw.Metric(
                namespace="ultrafleet",
                metric_name="PendingCheckpoints",
                dimensions_map={"Fleet": fleet.spec.name},
                statistic="Maximum",
                period=shared_values.minutes(5),
            )
            widgets.append(
                cw.GraphWidget(title=f"{fleet.spec.name}: checkpoints awaiting drain", left=[pending], width=8)
            )
            pending.create_alarm(
                self,
                f"{fleet.spec.name}-drain-behind",
                threshold=PENDING_CHECKPOINTS_ALARM,
                evaluation_periods=6,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                alarm_description=f"{fleet.spec.name}: finished checkpoints are not leaving NVMe "
                "(drain failing or too slow)",
            ).add_alarm_action(action)
        if inference and fleet.spec.name in inference.target_groups:
            widgets += self._serving(fleet, inference, size[1], action)
        self.dashboard.add_widgets(*widgets)

    def _health_row(self, spec: Spec, fleet: ResolvedFleet, names: FleetNames, action: cw_actions.SnsAction) -> None:
        health = fleet.spec.health
        alarms = FleetHealthAlarms(
            self,
            f"{fleet.spec.name}-health",
            fleet_name=fleet.spec.name,
            breaker_alarm_name=names.breaker_alarm,
            group_size=fleet.instances + fleet.spec.spares,
            max_unhealthy_percent=health.max_unhealthy_percent,
            check_interval_minutes=health.check_interval_minutes,
            drains=has_termination_hook(spec, fleet),
            action=action,
        )
        self.dashboard.add_widgets(alarms.widget)

    def _serving(
        self, fleet: ResolvedFleet, inference: InferenceStack, in_service: cw.Metric, action: cw_actions.SnsAction
    ) -> list[cw.IWidget]:
        name = fleet.spec.name
        target = inference.target_groups[name]
        lb = inference.endpoint.load_balancer
        dims = {"LoadBalancer": lb.load_balancer_full_name, "TargetGroup": target.target_group_full_name}

        def elb(metric: str, statistic: str) -> cw.Metric:
            return cw.Metric(
                namespace="AWS/ApplicationELB",
                metric_name=metric,
                dimensions_map=dims,
                statistic=statistic,
                period=shared_values.minutes(1),
            )

        unhealthy = elb("UnHealthyHostCount", "Maximum")
        unhealthy.create_alarm(
            self,
            f"{name}-unhealthy-hosts",
            threshold=1,
            evaluation_periods=5,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{name}: model servers failing health checks",
        ).add_alarm_action(action)
        settings = fleet.spec.inference or Inference()
        if settings.scaling:
            at_max = settings.max_size or fleet.instances
            in_service.with_(period=shared_values.minutes(5)).create_alarm(
                self,
                f"{name}-at-max",
                threshold=at_max,
                evaluation_periods=3,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                alarm_description=f"{name}: scaled to max_size {at_max} for 15 minutes; demand may exceed capacity",
            ).add_alarm_action(action)
        return [
            cw.GraphWidget(title=f"{name}: requests", left=[elb("RequestCount", "Sum")], width=8),
            cw.GraphWidget(
                title=f"{name}: latency p50 / p99",
                left=[elb("TargetResponseTime", "p50"), elb("TargetResponseTime", "p99")],
                width=8,
            ),
            cw.GraphWidget(
                title=f"{name}: healthy / unhealthy hosts",
                left=[elb("HealthyHostCount", "Minimum"), unhealthy],
                width=8,
            ),
        ]
