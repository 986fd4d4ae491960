"""A CloudWatch alarm on one metric, as an L1 ``CfnAlarm`` with plain values.

``metric.create_alarm(...)`` then ``alarm.add_alarm_action(...)`` cost about three round trips to jsii's Node
process per alarm (and a ``cloudwatch.Metric`` before them); this is two: the wrapper and its ``CfnAlarm``. The
wrapper ``Construct(scope, id)`` with the alarm as its child ``Resource`` is the L2 Alarm's own construct path, so
the logical id and the ``aws:cdk:path`` metadata stay those of ``create_alarm(scope, id)``.

What the L2 checks and this does not: its Metric rejects periods other than 1, 5, 10, 30 or a multiple of 60
seconds, and more than 30 dimensions (aws-cloudwatch/lib/metric.js); every metric here has at most two
dimensions and a period in whole minutes (FleetSpec.health.check_interval_minutes is in minutes).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from ultrafleet.constructs.metric import Metric

SIMPLE_STATISTICS = frozenset({"Average", "Maximum", "Minimum", "SampleCount", "Sum"})
"""AWS::CloudWatch::Alarm ``Statistic``'s allowed values (CloudFormation resource schema, as cfn-lint ships it);
every other statistic (percentiles such as p99) goes to ``ExtendedStatistic``, as parseStatisticToFields does
(aws-cloudwatch/lib/private/statistic.js)."""


class Comparison(StrEnum):
    """AWS::CloudWatch::Alarm ``ComparisonOperator`` values used here (CloudFormation resource schema)."""

    GREATER_THAN = "GreaterThanThreshold"
    AT_LEAST = "GreaterThanOrEqualToThreshold"


class MissingData(StrEnum):
    """AWS::CloudWatch::Alarm ``TreatMissingData`` values used here (CloudFormation resource schema; left out,
    CloudWatch treats missing data as ``missing``)."""

    NOT_BREACHING = "notBreaching"


def metric_alarm(
    scope: Construct,
    construct_id: str,
    *,
    metric: Metric,
    threshold: int,
    evaluation_periods: int,
    comparison: Comparison,
    description: str,
    alarm_actions: Sequence[str],
    missing_data: MissingData | None = None,
    alarm_name: str | None = None,
) -> cw.CfnAlarm:
    """The alarm at ``scope/construct_id/Resource``; its properties as the L2 Alarm renders them
    (aws-cloudwatch/lib/alarm.js, Alarm's constructor and renderMetric): the metric's period always, in seconds;
    no ``Dimensions`` for a metric without any.

    :param alarm_actions: ARNs notified when the alarm fires (an SNS topic's ARN, read once per stack).
    :param alarm_name: default: CloudFormation names it.
    """
    statistic = (
        {"statistic": metric.statistic}
        if metric.statistic in SIMPLE_STATISTICS
        else {"extended_statistic": metric.statistic}
    )
    return cw.CfnAlarm(
        Construct(scope, construct_id),
        "Resource",
        alarm_actions=list(alarm_actions),
        alarm_description=description,
        alarm_name=alarm_name,
        comparison_operator=comparison.value,
        dimensions=[{"name": name, "value": value} for name, value in metric.dimensions.items()] or None,
        evaluation_periods=evaluation_periods,
        metric_name=metric.metric_name,
        namespace=metric.namespace,
        period=metric.period_seconds,
        threshold=threshold,
        treat_missing_data=missing_data.value if missing_data else None,
        **statistic,
    )
