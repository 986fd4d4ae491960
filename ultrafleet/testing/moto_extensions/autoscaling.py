"""Auto Scaling groups from CloudFormation keep PlacementGroup, CapacityReservationSpecification and
InstanceMaintenancePolicy (moto 5.2.5 drops them), so describe_auto_scaling_groups returns them."""

from __future__ import annotations

from typing import Any

from moto.autoscaling.models import FakeAutoScalingGroup

_original_create = FakeAutoScalingGroup.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _create(
    cls: type[FakeAutoScalingGroup],
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> FakeAutoScalingGroup:
    group = _original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    props = cloudformation_json["Properties"]
    group.placement_group = props.get("PlacementGroup")
    group.capacity_reservation_specification = props.get("CapacityReservationSpecification")
    group.instance_maintenance_policy = props.get("InstanceMaintenancePolicy")
    return group


def install() -> None:
    FakeAutoScalingGroup.create_from_cloudformation_json = classmethod(_create)  # type: ignore[method-assign,assignment]
