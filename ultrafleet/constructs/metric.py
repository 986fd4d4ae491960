"""A CloudWatch metric as plain data, read by the L1 alarms (ultrafleet.constructs.metric_alarm) and dashboards
(ultrafleet.constructs.dashboard_body) of every fleet.

A ``cloudwatch.Metric`` is a jsii object: making one, then an alarm or a graph from it, costs a round trip to
jsii's Node process each (docs/speed.md). This record costs none; the two modules render it the way aws-cdk-lib
2.275 renders its Metric.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

DEFAULT_PERIOD_SECONDS = 300
"""A cloudwatch.Metric's default period (5 minutes); dashboards leave it out of a metric's options."""


@dataclass(frozen=True, kw_only=True)
class Metric:
    """:param statistic: as CloudWatch spells it (``Average``, ``Sum``, ``Maximum``, ``p99``): the CDK's aliases
        (``avg``, ``max``) are not normalized here.
    :param period_seconds: 60 or a multiple of it (the CDK's Metric accepts 1, 5, 10, 30 too).
    :param dimensions: name to value, in the order they render; values may be tokens.
    """

    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    statistic: str
    period_seconds: int = DEFAULT_PERIOD_SECONDS

    def with_period(self, seconds: int) -> Metric:
        return replace(self, period_seconds=seconds)
