"""Size a Capacity Block fleet's group around its block.

EC2 sends ``Capacity Block Delivered`` when the block starts and ``Capacity Block Expiration Warning`` forty minutes
before it ends; its instances begin to terminate ten minutes after the warning (EC2 User Guide, "Monitor Capacity
Blocks using EventBridge"). Two EventBridge rules start a one-step Step Functions workflow that calls
UpdateAutoScalingGroup: to the fleet's size on delivery, to zero on the warning, so the termination hook drains the
nodes' checkpoints while EC2 still lets them run. With the block's times in the spec, scheduled actions do the same
without waiting for the events, scaling in early enough for the planned drain.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Acknowledgment, ArnFormat, Stack, Validations
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from ultrafleet.constructs.fleet_health import group_arn_finding_id
from ultrafleet.planning.node_lifecycle import CAPACITY_BLOCK_DELIVERED, CAPACITY_BLOCK_WARNING, CapacityBlockTimes

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True, kw_only=True)
class CapacityBlockScheduleProps:
    group: autoscaling.CfnAutoScalingGroup
    """The fleet's Auto Scaling group."""
    reservation_id: str
    """The block's cr-... id; the rules match only this block's events."""
    size: int
    """The group's size while the block runs (count plus spares)."""
    times: CapacityBlockTimes
    """Scheduled scale-out and scale-in times; a None field: no scheduled action for that edge."""
    group_name: str | None = None
    """The group's name, when fixed by convention; default: its Ref."""


def _check(props: CapacityBlockScheduleProps) -> None:
    if props.size < 1:
        raise ValueError(f"size: {props.size} is below 1; the group runs at least one instance in its block")
    out, in_ = props.times.scale_out_at, props.times.scale_in_at
    if out is not None and in_ is not None and in_ <= out:
        raise ValueError(
            f"times: scale_in_at {in_.strftime(TIME_FORMAT)} is not after scale_out_at {out.strftime(TIME_FORMAT)}"
        )


class CapacityBlockSchedule(Construct):
    """Rules and scheduled actions that size one group to its Capacity Block; ``resizer`` is the state machine."""

    def __init__(self, scope: Construct, construct_id: str, *, props: CapacityBlockScheduleProps) -> None:
        super().__init__(scope, construct_id)
        _check(props)
        group, group_name, reservation_id, size, times = (
            props.group,
            props.group_name,
            props.reservation_id,
            props.size,
            props.times,
        )
        name = group_name or group.ref
        group_arn = Stack.of(self).format_arn(
            service="autoscaling",
            resource="autoScalingGroup",
            resource_name=f"*:autoScalingGroupName/{name}",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        resize = tasks.CallAwsService(
            self,
            "Resize",
            service="autoscaling",
            action="updateAutoScalingGroup",
            parameters={
                "AutoScalingGroupName": name,
                "MinSize.$": "$.size",
                "MaxSize.$": "$.size",
                "DesiredCapacity.$": "$.size",
            },
            iam_action="autoscaling:UpdateAutoScalingGroup",
            iam_resources=[group_arn],
        )
        self.resizer = sfn.StateMachine(
            self,
            "Resizer",
            definition_body=sfn.DefinitionBody.from_chainable(resize),
            comment=f"Resize {reservation_id}'s Auto Scaling group",
        )
        # The L2 makes the machine depend on its role and the role's policy; the role is already a GetAtt
        # (cfn-lint W3005), so keep only the policy, which must exist before the first execution.
        policy = self.resizer.role.node.find_child("DefaultPolicy").node.default_child
        self.resizer.node.default_child.add_override("DependsOn", [Stack.of(self).get_logical_id(policy)])
        Validations.of(self.resizer).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-SF1",
                reason="One UpdateAutoScalingGroup call per execution; CloudTrail records it and the execution history "
                "keeps its input",
            ),
            Acknowledgment(id="AwsSolutions::AwsSolutions-SF2", reason="A single SDK call has nothing to trace"),
            Acknowledgment(
                id=group_arn_finding_id(Stack.of(self), group_name or f"<{Stack.of(self).resolve(group.logical_id)}>"),
                reason="The wildcard stands for the group's id, unknown before it exists; the group name pins it",
            ),
        )
        for rule_id, detail_type, target_size in (
            ("Delivered", CAPACITY_BLOCK_DELIVERED, size),
            ("ExpirationWarning", CAPACITY_BLOCK_WARNING, 0),
        ):
            events.Rule(
                self,
                rule_id,
                description=f"{reservation_id}: {detail_type} -> group size {target_size}",
                event_pattern=events.EventPattern(
                    source=["aws.ec2"],
                    detail_type=[detail_type],
                    detail={"capacity-reservation-id": [reservation_id]},
                ),
                targets=[
                    targets.SfnStateMachine(
                        self.resizer, input=events.RuleTargetInput.from_object({"size": target_size})
                    )
                ],
            )
        for action_id, when, target_size in (("ScaleOut", times.scale_out_at, size), ("ScaleIn", times.scale_in_at, 0)):
            if when is not None:
                autoscaling.CfnScheduledAction(
                    self,
                    action_id,
                    auto_scaling_group_name=group.ref,
                    start_time=when.strftime(TIME_FORMAT),
                    min_size=target_size,
                    max_size=target_size,
                    desired_capacity=target_size,
                )
