"""Node health for one fleet: the boot health gate, the periodic check, the lifecycle hooks and the node's IAM.

How it decides and acts follows the anchors, in Auto Scaling terms:
- AWS PCS deep health checks on start (DCGM level 1 for its QUICK profile) and SageMaker HyperPod deep health checks
  (GPU/NVLink count, EFA, Neuron sysfs) gate a node before it takes work: here the group's launch lifecycle hook
  holds the node in Pending:Wait until ``ultrafleet-health-gate`` passes (CONTINUE) or fails (ABANDON).
- EKS node auto repair replaces a node whose monitoring agent reports a fatal condition (its WellKnownXidCodes,
  Neuron NEURON_HW_ERR lines) and stops repairing above maxUnhealthyNodeThresholdPercentage: here the periodic
  check marks the node Unhealthy with ``aws autoscaling set-instance-health`` unless the fleet's circuit breaker
  alarm is in ALARM.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass, replace

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_iam as iam
from constructs import Construct

from ultrafleet.constructs import xz
from ultrafleet.planning.node_lifecycle import FATAL_XIDS, NEURON_FATAL_ERRORS, GateExpectations
from ultrafleet.templates import render

LAUNCH_HOOK = "ultrafleet-launch"
TERMINATION_HOOK = "ultrafleet-terminate"
LAUNCH_HEARTBEAT_SECONDS = 900
"""How long a node may take from launch to a passed gate (DLAMI boot, driver load, DCGM level 1) before the
launch hook's default result, ABANDON, replaces it."""


TOKEN_MARK = "${Token["
"""How aws-cdk-lib 2.275 marks an unresolved string (core/lib/private/encoding.js, BEGIN_STRING_TOKEN_MARKER): what
``Token.is_unresolved`` looks for, checked here in Python."""


@dataclass(frozen=True)
class StackArns:
    """A stack's partition, region and account as ``Stack.format_arn`` writes them: literals, or pseudo-parameter
    tokens (``${Token[AWS.Region.4]}``) that render as the same ``Fn::Join`` when the ARN is resolved."""

    partition: str
    region: str
    account: str

    @classmethod
    def of(cls, stack: Stack) -> StackArns:
        """One ``format_arn`` request instead of three reads and three ``Token.is_unresolved`` checks: a token's
        string holds no colon, so the ARN splits into its fields (aws-cdk-lib 2.275 core/lib/arn.js, Arn.format)."""
        _, partition, _, region, account, _ = stack.format_arn(service="autoscaling", resource="group").split(":")
        return cls(partition=partition, region=region, account=account)

    def arn(self, service: str, resource: str, resource_name: str) -> str:
        """The ARN ``Stack.format_arn`` gives with ``ArnFormat.COLON_RESOURCE_NAME``."""
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}:{resource_name}"

    def group_arn(self, name: str) -> str:
        """The ARN of the Auto Scaling group ``name`` (its id a wildcard)."""
        return self.arn("autoscaling", "autoScalingGroup", f"*:autoScalingGroupName/{name}")

    def group_finding_id(self, name: str) -> str:
        """cdk-nag's IAM5 finding id for a statement on ``group_arn(name)``, which names a token by its pseudo
        parameter (``<AWS::Region>``)."""
        shown = StackArns(
            _as_cdk_nag_shows(self.partition, "AWS::Partition"),
            _as_cdk_nag_shows(self.region, "AWS::Region"),
            _as_cdk_nag_shows(self.account, "AWS::AccountId"),
        )
        return f"AwsSolutions::AwsSolutions-IAM5[Resource::{shown.group_arn(name)}]"


def _as_cdk_nag_shows(value: str, pseudo_parameter: str) -> str:
    return f"<{pseudo_parameter}>" if TOKEN_MARK in value else value


def group_arn_finding_id(stack: Stack, name: str) -> str:
    """cdk-nag's IAM5 finding id for a statement on ``autoScalingGroup:*:autoScalingGroupName/<name>``."""
    return StackArns.of(stack).group_finding_id(name)


@dataclass(frozen=True, kw_only=True)
class NodeHealthProps:
    """How a fleet's nodes are gated, checked and replaced.

    ``self_repair`` switches the acting half off, for fleets whose group belongs to another repairer (an EKS managed
    node group, where EKS node auto repair replaces nodes): the boot gate and the periodic check still run, but a
    failing node only publishes its metric, leaves ``/var/lib/ultrafleet/unhealthy`` and exits non-zero; there is no
    launch hook and no Auto Scaling permission.
    """

    self_repair: bool = True
    """Failing nodes mark themselves Unhealthy and the launch hook gates joining; default: on."""
    launch_hook: bool = True
    """With self-repair, hold new nodes in Pending:Wait until the gate passes. Off for groups with a warm pool: an
    instance leaving the pool waits in the launch hook again (Warmed:Pending:Wait, then Pending:Wait; EC2 Auto
    Scaling User Guide, "Use lifecycle hooks with a warm pool"), but its user data ran only once. default: on."""
    max_unhealthy_percent: int = 20
    """Circuit breaker threshold (the observability stack's alarm); default 20, as EKS node auto repair."""
    check_interval_minutes: int = 5
    """Period of the health check timer; default 5."""
    termination_heartbeat_seconds: int | None = None
    """Heartbeat of the termination hook that drains NVMe checkpoints; default: no termination hook."""


def for_group(props: NodeHealthProps, *, warm_pool: bool) -> NodeHealthProps:
    """The props as a group can carry them: no launch hook with a warm pool (see ``launch_hook``)."""
    return replace(props, launch_hook=False) if warm_pool else props


@dataclass(frozen=True, kw_only=True)
class NodeHealthScript:
    """Everything the node-side scripts are rendered from (templates node_health*.sh.j2)."""

    fleet_name: str
    instance_type: str
    group_name: str
    """Empty: the scripts ask Auto Scaling which group the instance is in."""
    self_repair: bool
    breaker_alarm: str
    gpus: int
    neuron_devices: int
    efa_devices: int
    fabric_manager: bool
    interval_minutes: int
    launch_hook: str
    termination_hook: str
    heartbeat_seconds: int | None
    fatal_xids: tuple[int, ...] = FATAL_XIDS
    neuron_errors: tuple[str, ...] = NEURON_FATAL_ERRORS

    @classmethod
    def of(
        cls,
        *,
        fleet_name: str,
        instance_type: str,
        gate: GateExpectations,
        props: NodeHealthProps,
        group_name: str | None,
        breaker_alarm_name: str | None = None,
    ) -> NodeHealthScript:
        """The scripts' values for one fleet; ``group_name`` None: the nodes look their group up;
        ``breaker_alarm_name``: the circuit breaker the nodes read before marking themselves (default: none)."""
        return cls(
            fleet_name=fleet_name,
            instance_type=instance_type,
            group_name=group_name or "",
            self_repair=props.self_repair,
            breaker_alarm=breaker_alarm_name if breaker_alarm_name and props.self_repair else "",
            gpus=gate.gpus,
            neuron_devices=gate.neuron_devices,
            efa_devices=gate.efa_devices,
            fabric_manager=gate.fabric_manager,
            interval_minutes=props.check_interval_minutes,
            launch_hook=LAUNCH_HOOK if props.self_repair and props.launch_hook else "",
            termination_hook=TERMINATION_HOOK,
            heartbeat_seconds=props.termination_heartbeat_seconds,
        )

    def files(self) -> dict[str, tuple[str, int]]:
        """Every file the node gets: path (relative to /) -> (content, mode)."""
        sbin = {
            "ultrafleet-lifecycle": "node_lifecycle.sh.j2",
            "ultrafleet-health-gate": "health_gate.sh.j2",
            "ultrafleet-health-check": "health_check.sh.j2",
        }
        units = ["ultrafleet-health-check.service", "ultrafleet-health-check.timer"]
        if self.heartbeat_seconds:
            sbin["ultrafleet-termination-watch"] = "termination_watch.sh.j2"
            units.append("ultrafleet-termination-watch.service")
        out = {f"usr/local/sbin/{name}": (_without_comments(render(t, h=self)), 0o755) for name, t in sbin.items()}
        return out | {f"etc/systemd/system/{u}": (render(f"health_units/{u}.j2", h=self), 0o644) for u in units}

    def boot_sections(self) -> tuple[str, str]:
        """(written before the boot checks, run after every hook): install the scripts and trap any boot
        failure; then run the gate and join."""
        files = self.files()
        return (
            render("node_health.sh.j2", h=self, files=sorted(files), payload=_payload(files)).rstrip("\n"),
            render("node_health_join.sh.j2", h=self).rstrip("\n"),
        )


def _without_comments(script: str) -> str:
    """The script without its comment lines (the templates keep them), for the user data's 16 KB."""
    lines = script.splitlines(keepends=True)
    return lines[0] + "".join(line for line in lines[1:] if not line.lstrip().startswith("#"))


def _payload(files: dict[str, tuple[str, int]]) -> str:
    """A reproducible .tar.xz of the files (fixed times and owners), base64 in 76-column lines."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path in sorted(files):
            content, mode = files[path]
            data = content.encode()
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime, info.uname, info.gname = len(data), mode, 0, "root", "root"
            tar.addfile(info, io.BytesIO(data))
    return xz.base64_lines(raw.getvalue())


def lifecycle_hooks(
    props: NodeHealthProps,
) -> list[autoscaling.CfnAutoScalingGroup.LifecycleHookSpecificationProperty] | None:
    """The group's lifecycle hooks, declared on the group itself so its very first instances wait in them."""
    hooks = []
    if props.self_repair and props.launch_hook:
        hooks.append(
            autoscaling.CfnAutoScalingGroup.LifecycleHookSpecificationProperty(
                lifecycle_hook_name=LAUNCH_HOOK,
                lifecycle_transition="autoscaling:EC2_INSTANCE_LAUNCHING",
                heartbeat_timeout=LAUNCH_HEARTBEAT_SECONDS,
                default_result="ABANDON",
            )
        )
    if props.termination_heartbeat_seconds:
        hooks.append(
            autoscaling.CfnAutoScalingGroup.LifecycleHookSpecificationProperty(
                lifecycle_hook_name=TERMINATION_HOOK,
                lifecycle_transition="autoscaling:EC2_INSTANCE_TERMINATING",
                heartbeat_timeout=props.termination_heartbeat_seconds,
                default_result="CONTINUE",
            )
        )
    return hooks or None


@dataclass(frozen=True, kw_only=True)
class NodeHealthPolicyProps:
    role: iam.IRole
    """The nodes' role."""
    group: autoscaling.CfnAutoScalingGroup
    """The fleet's group, the only one the nodes may act on."""
    group_name: str | None = None
    """The group's name, when fixed by convention; default: scoped by the group's Ref, and the nodes look their
    group up."""
    breaker_alarm_name: str | None = None
    """The circuit breaker alarm the nodes may read (its name fixed by convention); default: none."""


class NodeHealthPolicy(Construct):
    """What a node may do to its own group: mark itself, complete and extend its lifecycle actions, read the
    circuit breaker. Scoped to the fleet's group by name (by its Ref when the name is generated)."""

    def __init__(self, scope: Construct, construct_id: str, *, props: NodeHealthPolicyProps) -> None:
        super().__init__(scope, construct_id)
        role, group, group_name = props.role, props.group, props.group_name
        stack = Stack.of(self)
        arns = StackArns.of(stack)
        statements = [
            {
                "Sid": "OwnGroupLifecycle",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:SetInstanceHealth",
                    "autoscaling:CompleteLifecycleAction",
                    "autoscaling:RecordLifecycleActionHeartbeat",
                ],
                "Resource": arns.group_arn(group_name or group.ref),
            }
        ]
        if props.breaker_alarm_name:
            statements.append(
                {
                    "Sid": "ReadCircuitBreaker",
                    "Effect": "Allow",
                    "Action": "cloudwatch:DescribeAlarms",
                    "Resource": arns.arn("cloudwatch", "alarm", props.breaker_alarm_name),
                }
            )
        else:
            statements.append(
                {
                    "Sid": "FindOwnGroup",
                    "Effect": "Allow",
                    "Action": "autoscaling:DescribeAutoScalingInstances",
                    "Resource": "*",
                }
            )
        # One document from JSON instead of a PolicyStatement per statement; the L2 Policy still names itself
        # (aws-iam/lib/private/util.js, generatePolicyName) and renders the statements as before.
        document = iam.PolicyDocument.from_json({"Statement": statements})
        self.policy = iam.Policy(self, "Policy", roles=[role], document=document)
        Validations.of(self.policy).acknowledge(
            Acknowledgment(
                id=arns.group_finding_id(group_name or f"<{stack.resolve(group.logical_id)}>"),
                reason="The wildcard stands for the group's id, unknown before it exists; the group name pins it",
            ),
            *(
                []
                if group_name
                else [
                    Acknowledgment(
                        id="AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                        reason="DescribeAutoScalingInstances has no resource-level permissions",
                    )
                ]
            ),
        )
