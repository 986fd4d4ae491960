"""CapacityBlockSchedule's own guards in a bare Stack (its rules and actions: tests/test_node_health.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aws_cdk import Stack
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk.assertions import Template

from ultrafleet.constructs.capacity_block_schedule import CapacityBlockSchedule, CapacityBlockScheduleProps
from ultrafleet.planning.node_lifecycle import CapacityBlockTimes

OUT = datetime(2026, 12, 1, 11, tzinfo=UTC)


def schedule(size: int = 2, scale_in_at: datetime | None = None) -> Template:
    stack = Stack()
    group = autoscaling.CfnAutoScalingGroup(stack, "Group", min_size="0", max_size="2")
    times = CapacityBlockTimes(scale_out_at=OUT, scale_in_at=scale_in_at, warning_lead_seconds=600)
    props = CapacityBlockScheduleProps(group=group, reservation_id="cr-0123456789abcdef0", size=size, times=times)
    CapacityBlockSchedule(stack, "Block", props=props)
    return Template.from_stack(stack)


def test_the_smallest_block_and_the_earliest_scale_in_are_taken():
    template = schedule(size=1, scale_in_at=datetime(2026, 12, 1, 11, 1, tzinfo=UTC))
    template.has_resource_properties(
        "AWS::AutoScaling::ScheduledAction", {"StartTime": "2026-12-01T11:00:00Z", "DesiredCapacity": 1}
    )
    template.has_resource_properties(
        "AWS::AutoScaling::ScheduledAction", {"StartTime": "2026-12-01T11:01:00Z", "DesiredCapacity": 0}
    )


def test_an_empty_block_is_refused():
    with pytest.raises(ValueError) as raised:
        schedule(size=0)
    assert str(raised.value) == "size: 0 is below 1; the group runs at least one instance in its block"


def test_scaling_in_no_later_than_out_is_refused():
    with pytest.raises(ValueError) as raised:
        schedule(scale_in_at=OUT)
    assert str(raised.value) == "times: scale_in_at 2026-12-01T11:00:00Z is not after scale_out_at 2026-12-01T11:00:00Z"
