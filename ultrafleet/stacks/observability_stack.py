"""The observability stack: an alarm topic, a log group per fleet, a dashboard and alarms for the deployment.

It refers to fleets by their conventional names (FleetNames), never by cross-stack exports, so any fleet stack
can still be destroyed on its own. It does reference the load balancer, which lives as long as the deployment.
A spec whose fleets do not fit one stack gets shards (ultrafleet.stacks.observability_shards): each later shard
holds its fleets' log groups, alarms and a dashboard of its own, and uses the first one's topic and logs key.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from ultrafleet.constructs.dashboard_body import GraphWidget, Row, add_dashboard
from ultrafleet.constructs.fleet_health_alarms import FleetHealthAlarms
from ultrafleet.constructs.logs_key import logs_key
from ultrafleet.constructs.metric import Metric
from ultrafleet.constructs.metric_alarm import Comparison, MissingData, metric_alarm
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
    """Alarms are L1 (ultrafleet.constructs.metric_alarm) and the dashboard's body is rendered in Python
    (ultrafleet.constructs.dashboard_body): a fleet costs about 10 round trips to jsii's Node process (its log
    group, its health construct, two per alarm) instead of about 25 with the L2s, for the same template."""

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
        self._alarm_actions = [self.alarms.topic_arn]
        dashboard = Construct(self, "Dashboard")  # its CfnDashboard comes once every row is known
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
        rows: list[Row] = []
        for planned in fleets:
            fleet, names = planned.fleet, planned.names
            logs.LogGroup(
                self,
                f"{fleet.spec.name}-logs",
                log_group_name=names.log_group,
                retention=LOG_RETENTION,
                encryption_key=key,
            )
            rows.append(self._fleet_row(fleet, names, inference))
            rows.append([self._health(spec, fleet, names).widget])
        add_dashboard(dashboard, dashboard_name=dashboard_name or f"ultrafleet-{spec.name}", rows=rows)

    def _fleet_row(self, fleet: ResolvedFleet, names: FleetNames, inference: InferenceStack | None) -> Row:
        name = fleet.spec.name
        group = {"AutoScalingGroupName": names.group}
        size = [
            Metric(namespace="AWS/AutoScaling", metric_name=m, dimensions=group, statistic="Average", period_seconds=60)
            for m in ("GroupDesiredCapacity", "GroupInServiceInstances")
        ]
        row = [GraphWidget(title=f"{name}: instances", left=size, width=8)]
        if fleet.instance_type.accelerator_kind == "gpu":
            gpu = Metric(
                namespace="CWAgent",
                metric_name="nvidia_smi_utilization_gpu",
                dimensions=group,
                statistic="Average",
                period_seconds=60,
            )
            row.append(GraphWidget(title=f"{name}: GPU utilization %", left=[gpu], width=8))
        disk = Metric(namespace="CWAgent", metric_name="disk_used_percent", dimensions=group, statistic="Maximum")
        row.append(GraphWidget(title=f"{name}: disk used %", left=[disk], width=8))
        if fleet.spec.role is Role.TRAINING and fleet.instance_type.nvme:
            pending = Metric(
                namespace="ultrafleet",
                metric_name="PendingCheckpoints",
                dimensions={"Fleet": name},
                statistic="Maximum",
            )
            row.append(GraphWidget(title=f"{name}: checkpoints awaiting drain", left=[pending], width=8))
            metric_alarm(
                self,
                f"{name}-drain-behind",
                metric=pending,
                threshold=PENDING_CHECKPOINTS_ALARM,
                evaluation_periods=6,
                comparison=Comparison.AT_LEAST,
                missing_data=MissingData.NOT_BREACHING,
                description=f"{name}: finished checkpoints are not leaving NVMe (drain failing or too slow)",
                alarm_actions=self._alarm_actions,
            )
        if inference and name in inference.target_groups:
            row += self._serving(fleet, inference, size[1])
        return row

    def _health(self, spec: Spec, fleet: ResolvedFleet, names: FleetNames) -> FleetHealthAlarms:
        health = fleet.spec.health
        return FleetHealthAlarms(
            self,
            f"{fleet.spec.name}-health",
            fleet_name=fleet.spec.name,
            breaker_alarm_name=names.breaker_alarm,
            group_size=fleet.instances + fleet.spec.spares,
            max_unhealthy_percent=health.max_unhealthy_percent,
            check_interval_minutes=health.check_interval_minutes,
            drains=has_termination_hook(spec, fleet),
            alarm_actions=self._alarm_actions,
        )

    def _serving(self, fleet: ResolvedFleet, inference: InferenceStack, in_service: Metric) -> Row:
        name = fleet.spec.name
        target = inference.target_groups[name]
        lb = inference.endpoint.load_balancer
        dims = {"LoadBalancer": lb.load_balancer_full_name, "TargetGroup": target.target_group_full_name}

        def elb(metric: str, statistic: str) -> Metric:
            return Metric(
                namespace="AWS/ApplicationELB",
                metric_name=metric,
                dimensions=dims,
                statistic=statistic,
                period_seconds=60,
            )

        unhealthy = elb("UnHealthyHostCount", "Maximum")
        metric_alarm(
            self,
            f"{name}-unhealthy-hosts",
            metric=unhealthy,
            threshold=1,
            evaluation_periods=5,
            comparison=Comparison.AT_LEAST,
            missing_data=MissingData.NOT_BREACHING,
            description=f"{name}: model servers failing health checks",
            alarm_actions=self._alarm_actions,
        )
        settings = fleet.spec.inference or Inference()
        if settings.scaling:
            at_max = settings.max_size or fleet.instances
            metric_alarm(
                self,
                f"{name}-at-max",
                metric=in_service.with_period(300),
                threshold=at_max,
                evaluation_periods=3,
                comparison=Comparison.AT_LEAST,
                description=f"{name}: scaled to max_size {at_max} for 15 minutes; demand may exceed capacity",
                alarm_actions=self._alarm_actions,
            )
        return [
            GraphWidget(title=f"{name}: requests", left=[elb("RequestCount", "Sum")], width=8),
            GraphWidget(
                title=f"{name}: latency p50 / p99",
                left=[elb("TargetResponseTime", "p50"), elb("TargetResponseTime", "p99")],
                width=8,
            ),
            GraphWidget(
                title=f"{name}: healthy / unhealthy hosts",
                left=[elb("HealthyHostCount", "Minimum"), unhealthy],
                width=8,
            ),
        ]
