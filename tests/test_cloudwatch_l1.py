"""The L1 alarms and dashboards (ultrafleet.constructs.metric_alarm, dashboard_body) render exactly as the L2
``create_alarm`` and ``Dashboard`` they replace: each case is built both ways and the resources compared whole
(logical id and properties), so a change in aws-cdk-lib's rendering shows here before the golden templates."""

from __future__ import annotations

import pytest
from aws_cdk import App, Aws, Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from constructs import Construct

from ultrafleet.constructs.dashboard_body import GraphWidget, add_dashboard, render
from ultrafleet.constructs.metric import Metric
from ultrafleet.constructs.metric_alarm import Comparison, MissingData, metric_alarm


def _both() -> tuple[Stack, Stack]:
    app = App()
    return Stack(app, "L2"), Stack(app, "L1")


def _resources(stack: Stack, kind: str) -> dict:
    return {k: v["Properties"] for k, v in Template.from_stack(stack).find_resources(kind).items()}


def _l2(m: Metric) -> cw.Metric:
    return cw.Metric(
        namespace=m.namespace,
        metric_name=m.metric_name,
        dimensions_map=dict(m.dimensions),
        statistic=m.statistic,
        period=Duration.seconds(m.period_seconds),
    )


FLEET = Metric(namespace="ultrafleet", metric_name="UnhealthyNodes", dimensions={"Fleet": "train"}, statistic="Sum")
ELB = Metric(
    namespace="AWS/ApplicationELB",
    metric_name="TargetResponseTime",
    dimensions={"LoadBalancer": Aws.STACK_NAME, "TargetGroup": "tg/x"},  # a token among the values
    statistic="p99",
    period_seconds=60,
)
AVERAGE = Metric(namespace="CWAgent", metric_name="disk_used_percent", dimensions={}, statistic="Average")


@pytest.mark.parametrize(
    ("metric", "missing_data", "alarm_name"),
    [(FLEET, MissingData.NOT_BREACHING, "demo-breaker"), (ELB, None, None), (AVERAGE.with_period(3600), None, None)],
)
def test_an_alarm_renders_as_create_alarm_does(metric, missing_data, alarm_name):
    l2, l1 = _both()
    for stack in (l2, l1):
        sns.Topic(stack, "Alarms")
    topic = l2.node.find_child("Alarms")
    _l2(metric).create_alarm(
        l2,
        "Alarm",
        threshold=3,
        evaluation_periods=6,
        comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING if missing_data else None,
        alarm_description="too many",
        alarm_name=alarm_name,
    ).add_alarm_action(cw_actions.SnsAction(topic))
    metric_alarm(
        l1,
        "Alarm",
        metric=metric,
        threshold=3,
        evaluation_periods=6,
        comparison=Comparison.GREATER_THAN,
        missing_data=missing_data,
        description="too many",
        alarm_name=alarm_name,
        alarm_actions=[l1.node.find_child("Alarms").topic_arn],
    )
    expected = _resources(l2, "AWS::CloudWatch::Alarm")
    assert _resources(l1, "AWS::CloudWatch::Alarm") == expected
    (props,) = expected.values()
    assert ("ExtendedStatistic" in props) is (metric is ELB)  # a percentile is not a Statistic in CloudFormation


def test_a_dashboard_renders_as_the_l2_dashboard_does():
    """Rows that wrap (four widgets of 8, a 16 after a 12), unequal heights, both axes, default and other periods
    and statistics, a token in a dimension, a single-widget row."""
    rows = [
        [
            GraphWidget(title="a", left=[FLEET, AVERAGE], width=8),
            GraphWidget(title="b", left=[ELB], width=8, height=3),
            GraphWidget(title="c", left=[AVERAGE.with_period(60)], right=[FLEET.with_period(3600)], width=8),
            GraphWidget(title="d", left=[ELB.with_period(300)], width=8, height=4),
        ],
        [GraphWidget(title="e", left=[FLEET], width=12), GraphWidget(title="f", left=[FLEET], width=16, height=2)],
        [GraphWidget(title="g", left=[AVERAGE], width=24)],
    ]
    l2, l1 = _both()
    dashboard = cw.Dashboard(l2, "Dashboard", dashboard_name="demo")
    for row in rows:
        dashboard.add_widgets(
            *[
                cw.GraphWidget(
                    title=w.title,
                    left=[_l2(m) for m in w.left],
                    right=[_l2(m) for m in w.right],
                    width=w.width,
                    height=w.height,
                )
                for w in row
            ]
        )
    add_dashboard(Construct(l1, "Dashboard"), dashboard_name="demo", rows=rows)
    assert _resources(l1, "AWS::CloudWatch::Dashboard") == _resources(l2, "AWS::CloudWatch::Dashboard")
    positions = [(w["properties"]["title"], w["x"], w["y"]) for w in render(rows)["widgets"]]
    assert positions == [
        ("a", 0, 0),
        ("b", 8, 0),
        ("c", 16, 0),
        ("d", 0, 6),
        ("e", 0, 10),
        ("f", 0, 16),
        ("g", 0, 18),
    ]


def test_a_widget_wider_than_the_grid_is_refused():
    with pytest.raises(ValueError, match="widget 'wide': width 25; use 1 to 24 grid units"):
        GraphWidget(title="wide", left=[FLEET], width=25)


def test_a_metric_listed_twice_in_one_graph_is_refused():
    """The L2 would show it once (rendering.js, MetricSet); this rendering would show it twice."""
    with pytest.raises(ValueError, match="widget 'twice' lists a metric twice; list each once"):
        GraphWidget(title="twice", left=[FLEET], right=[FLEET.with_period(300)], width=8)
