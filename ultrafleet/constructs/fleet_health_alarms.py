"""A fleet's node-health alarms and dashboard widget: the circuit breaker, nodes replaced in the last hour, a
checkpoint drain that did not finish before its node was terminated. The nodes publish the metrics
(ultrafleet-lifecycle): UnhealthyNodes (1 per unhealthy node per check, 0 when healthy), NodesReplaced (1 when a
node marks itself Unhealthy) and DrainIncomplete (1 when the termination drain failed), namespace ultrafleet,
dimension Fleet."""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from ultrafleet.constructs.dashboard_body import GraphWidget
from ultrafleet.constructs.metric import Metric
from ultrafleet.constructs.metric_alarm import Comparison, MissingData, metric_alarm

NAMESPACE = "ultrafleet"


class FleetHealthAlarms(Construct):
    """:param fleet_name: the Fleet dimension.
    :param breaker_alarm_name: the alarm the nodes read before marking themselves (FleetNames.breaker_alarm).
    :param group_size: instances the group keeps (count plus spares).
    :param max_unhealthy_percent: the breaker trips when more of the group than this is unhealthy at once.
    :param check_interval_minutes: the nodes' check period, the breaker's period.
    :param drains: the fleet drains NVMe checkpoints on termination (adds the drain alarm).
    :param alarm_actions: ARNs the alarms notify (the alarm topic's).

    ``widget`` is the fleet's health graph, for its dashboard row (ultrafleet.constructs.dashboard_body).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        fleet_name: str,
        breaker_alarm_name: str,
        group_size: int,
        max_unhealthy_percent: int,
        check_interval_minutes: int,
        drains: bool,
        alarm_actions: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)

        def metric(name: str, period_seconds: int) -> Metric:
            return Metric(
                namespace=NAMESPACE,
                metric_name=name,
                dimensions={"Fleet": fleet_name},
                statistic="Sum",
                period_seconds=period_seconds,
            )

        unhealthy = metric("UnhealthyNodes", check_interval_minutes * 60)
        replaced = metric("NodesReplaced", 3600)
        # At least one node is always repaired, or a fleet under 5 nodes (20%) could never replace one.
        threshold = max(1, group_size * max_unhealthy_percent // 100)
        metric_alarm(
            self,
            "Breaker",
            metric=unhealthy,
            alarm_name=breaker_alarm_name,
            threshold=threshold,
            evaluation_periods=1,
            comparison=Comparison.GREATER_THAN,
            missing_data=MissingData.NOT_BREACHING,
            description=f"{fleet_name}: more than {threshold} of {group_size} nodes ({max_unhealthy_percent}%) "
            "unhealthy at once; nodes stop marking themselves (circuit breaker). Suspect the AMI, a driver or a "
            "shared dependency",
            alarm_actions=alarm_actions,
        )
        metric_alarm(
            self,
            "Replaced",
            metric=replaced,
            threshold=1,
            evaluation_periods=1,
            comparison=Comparison.AT_LEAST,
            missing_data=MissingData.NOT_BREACHING,
            description=f"{fleet_name}: nodes marked themselves Unhealthy and were replaced in the last hour",
            alarm_actions=alarm_actions,
        )
        self.widget = GraphWidget(
            title=f"{fleet_name}: unhealthy nodes / replaced", left=[unhealthy], right=[replaced], width=8
        )
        if drains:
            metric_alarm(
                self,
                "DrainIncomplete",
                metric=metric("DrainIncomplete", 300),
                threshold=1,
                evaluation_periods=1,
                comparison=Comparison.AT_LEAST,
                missing_data=MissingData.NOT_BREACHING,
                description=f"{fleet_name}: a node was terminated before its checkpoint drain finished; "
                "checkpoints left on its NVMe are lost",
                alarm_actions=alarm_actions,
            )
