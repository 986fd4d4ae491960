"""A fleet's node-health alarms and dashboard widget: the circuit breaker, nodes replaced in the last hour, a
checkpoint drain that did not finish before its node was terminated. The nodes publish the metrics
(ultrafleet-lifecycle): UnhealthyNodes (1 per unhealthy node per check, 0 when healthy), NodesReplaced (1 when a
node marks itself Unhealthy) and DrainIncomplete (1 when the termination drain failed), namespace ultrafleet,
dimension Fleet."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from constructs import Construct

from ultrafleet.constructs import shared_values

NAMESPACE = "ultrafleet"


class FleetHealthAlarms(Construct):
    """:param fleet_name: the Fleet dimension.
    :param breaker_alarm_name: the alarm the nodes read before marking themselves (FleetNames.breaker_alarm).
    :param group_size: instances the group keeps (count plus spares).
    :param max_unhealthy_percent: the breaker trips when more of the group than this is unhealthy at once.
    :param check_interval_minutes: the nodes' check period, the breaker's period.
    :param drains: the fleet drains NVMe checkpoints on termination (adds the drain alarm).
    :param action: where the alarms notify.
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
        action: cw_actions.SnsAction,
    ) -> None:
        super().__init__(scope, construct_id)

        def metric(name: str, period: Duration) -> cw.Metric:
            return cw.Metric(
                namespace=NAMESPACE,
                metric_name=name,
                dimensions_map={"Fleet": fleet_name},
                statistic="Sum",
                period=period,
            )

        unhealthy = metric("UnhealthyNodes", shared_values.minutes(check_interval_minutes))
        replaced = metric("NodesReplaced", shared_values.hours(1))
        # At least one node is always repaired, or a fleet under 5 nodes (20%) could never replace one.
        threshold = max(1, group_size * max_unhealthy_percent // 100)
        self.breaker = unhealthy.create_alarm(
            self,
            "Breaker",
            alarm_name=breaker_alarm_name,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{fleet_name}: more than {threshold} of {group_size} nodes ({max_unhealthy_percent}%) "
            "unhealthy at once; nodes stop marking themselves (circuit breaker). Suspect the AMI, a driver or a "
            "shared dependency",
        )
        self.replaced = replaced.create_alarm(
            self,
            "Replaced",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{fleet_name}: nodes marked themselves Unhealthy and were replaced in the last hour",
        )
        alarms = [self.breaker, self.replaced]
        self.widget = cw.GraphWidget(
            title=f"{fleet_name}: unhealthy nodes / replaced", left=[unhealthy], right=[replaced], width=8
        )
        if drains:
            alarms.append(
                metric("DrainIncomplete", shared_values.minutes(5)).create_alarm(
                    self,
                    "DrainIncomplete",
                    threshold=1,
                    evaluation_periods=1,
                    comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                    alarm_description=f"{fleet_name}: a node was terminated before its checkpoint drain finished; "
                    "checkpoints left on its NVMe are lost",
                )
            )
        for alarm in alarms:
            alarm.add_alarm_action(action)
