"""A CloudWatch dashboard of graph rows as an L1 ``CfnDashboard``, its body rendered in Python.

The L2 ``Dashboard`` costs a round trip to jsii's Node process per ``Metric``, per ``GraphWidget`` and per
``add_widgets``, about 15 per fleet; this costs four per dashboard (its wrapper, ``Stack.of``, the body's
``to_json_string`` and the ``CfnDashboard``) and none per fleet. The body is the JSON the L2 renders, key for
key and in the same order, so the template stays byte-identical. Where each rule comes from, in aws-cdk-lib
2.275's aws-cloudwatch/lib:

- dashboard.js, Dashboard: each ``add_widgets`` call is one row (a ``Row`` when it holds more than one widget),
  the rows are stacked in a ``Column`` at (0, 0), and the body is ``Stack.toJsonString({widgets})``;
- layout.js, Row: widgets go left to right and wrap to a new line when the next one would pass GRID_WIDTH, the
  new line starting below the tallest widget so far; Column: each row starts below the one before;
- graph.js, GraphWidget.toJson: the keys of a widget and of its properties, ``view`` timeSeries, ``region`` the
  stack's, an empty ``yAxis``, and the height of 6 when none is given;
- private/rendering.js, metricGraphJson: a metric is namespace, name, then each dimension's name and value, then
  its options when there are any: ``period`` unless 300 seconds, ``stat`` unless Average, ``yAxis`` right for
  the right axis.

Not reproduced: the L2's merging of a metric shown twice in one graph (rendering.js, MetricSet), so a graph may
not list the same metric twice (GraphWidget refuses it); labels, colors, annotations and the other options no
graph here uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from aws_cdk import Aws, Stack
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from ultrafleet.constructs.metric import DEFAULT_PERIOD_SECONDS, Metric

GRID_WIDTH = 24
"""A dashboard's width in grid units (widget.js, GRID_WIDTH)."""


@dataclass(frozen=True, kw_only=True)
class GraphWidget:
    """A time series graph. :param width: grid units, at most GRID_WIDTH. :param height: grid units."""

    title: str
    left: Sequence[Metric]
    right: Sequence[Metric] = ()
    width: int
    height: int = 6

    def __post_init__(self) -> None:
        if not 1 <= self.width <= GRID_WIDTH:  # widget.js, ConcreteWidget: WidgetTooWide
            raise ValueError(f"widget {self.title!r}: width {self.width}; use 1 to {GRID_WIDTH} grid units")
        metrics = [*self.left, *self.right]
        if any(m in metrics[:i] for i, m in enumerate(metrics)):  # the L2 would merge them (MetricSet)
            raise ValueError(f"widget {self.title!r} lists a metric twice; list each once")


Row = Sequence[GraphWidget]


@cache
def _region() -> str:
    """``Aws.REGION``, the token every widget shows; each read is a round trip, so it is read once."""
    return Aws.REGION


def add_dashboard(wrapper: Construct, *, dashboard_name: str, rows: Sequence[Row]) -> cw.CfnDashboard:
    """The dashboard as ``wrapper``'s child ``Resource``, the L2 Dashboard's construct path: make the wrapper
    ``Construct(stack, "Dashboard")`` where the L2 would be made, so the template keeps the resource's place, and
    call this once every row is known."""
    return cw.CfnDashboard(
        wrapper,
        "Resource",
        dashboard_name=dashboard_name,
        dashboard_body=Stack.of(wrapper).to_json_string(render(rows)),
    )


def render(rows: Sequence[Row]) -> dict:
    """The body: ``rows`` one below the other, each laid out left to right."""
    widgets: list[dict] = []
    top = 0
    for row in rows:
        x = y = height = 0
        for widget in row:
            if x + widget.width > GRID_WIDTH:
                x, y = 0, height
            widgets.append(_widget(widget, x, top + y))
            height = max(height, y + widget.height)
            x += widget.width
        top += height
    return {"widgets": widgets}


def _widget(widget: GraphWidget, x: int, y: int) -> dict:
    metrics = [_metric(m, "left") for m in widget.left] + [_metric(m, "right") for m in widget.right]
    return {
        "type": "metric",
        "width": widget.width,
        "height": widget.height,
        "x": x,
        "y": y,
        "properties": {
            "view": "timeSeries",
            "title": widget.title,
            "region": _region(),
            "metrics": metrics,
            "yAxis": {},
        },
    }


def _metric(metric: Metric, axis: str) -> list:
    line: list = [metric.namespace, metric.metric_name]
    for name, value in metric.dimensions.items():
        line += [name, value]
    options: dict = {}
    if metric.period_seconds != DEFAULT_PERIOD_SECONDS:
        options["period"] = metric.period_seconds
    if metric.statistic != "Average":
        options["stat"] = metric.statistic
    if axis != "left":
        options["yAxis"] = axis
    if options:
        line.append(options)
    return line
