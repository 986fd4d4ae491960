"""Auto Scaling groups from CloudFormation keep PlacementGroup, CapacityReservationSpecification and
InstanceMaintenancePolicy (moto 5.2.5 drops them), so describe_auto_scaling_groups returns them; the group's
LifecycleHookSpecificationList becomes lifecycle hooks (describe_lifecycle_hooks), which moto also drops.

moto's Auto Scaling API also lacks CompleteLifecycleAction and RecordLifecycleActionHeartbeat, which a node calls
on its own lifecycle hooks: they are added here and recorded on the backend (``lifecycle_actions``), after checking
that the group has the named hook."""

from __future__ import annotations

from typing import Any

from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup, autoscaling_backends
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import EmptyResult

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
    backend = autoscaling_backends[account_id][region_name]
    for hook in props.get("LifecycleHookSpecificationList", []):
        backend.create_lifecycle_hook(
            name=hook["LifecycleHookName"],
            as_name=group.name,
            transition=hook["LifecycleTransition"],
            timeout=int(hook["HeartbeatTimeout"]) if "HeartbeatTimeout" in hook else None,
            result=hook.get("DefaultResult"),
        )
    return group


def _record(self: AutoScalingResponse, action: str) -> EmptyResult:
    backend: AutoScalingBackend = self.autoscaling_backend
    group, hook = self._get_param("AutoScalingGroupName"), self._get_param("LifecycleHookName")
    if not backend.describe_lifecycle_hooks(group, [hook]):
        raise ValueError(f"No Lifecycle Hook found with name {hook} for group {group}")
    entry = {"Action": action, "AutoScalingGroupName": group, "LifecycleHookName": hook}
    entry["InstanceId"] = self._get_param("InstanceId")
    if action == "CompleteLifecycleAction":
        entry["LifecycleActionResult"] = self._get_param("LifecycleActionResult")
    if not hasattr(backend, "lifecycle_actions"):
        backend.lifecycle_actions = []  # type: ignore[attr-defined]
    backend.lifecycle_actions.append(entry)  # type: ignore[attr-defined]
    return EmptyResult()


def _complete_lifecycle_action(self: AutoScalingResponse) -> EmptyResult:
    return _record(self, "CompleteLifecycleAction")


def _record_lifecycle_action_heartbeat(self: AutoScalingResponse) -> EmptyResult:
    return _record(self, "RecordLifecycleActionHeartbeat")


def install() -> None:
    FakeAutoScalingGroup.create_from_cloudformation_json = classmethod(_create)  # type: ignore[method-assign,assignment]
    AutoScalingResponse.complete_lifecycle_action = _complete_lifecycle_action  # type: ignore[attr-defined]
    AutoScalingResponse.record_lifecycle_action_heartbeat = _record_lifecycle_action_heartbeat  # type: ignore[attr-defined]
