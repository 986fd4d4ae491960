"""Node health and lifecycle in the stacks: lifecycle hooks, the node's IAM, the circuit breaker and other alarms,
hot spares, the Capacity Block rules and scheduled actions; validated, planned, and deployed into moto, where a node
that marks itself Unhealthy through the real lifecycle script is what its group sees."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from aws_cdk import Stack
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk.assertions import Template
from typer.testing import CliRunner

from conftest import build_stacks, fleet, spec_dict
from ultrafleet.cli.commands import app
from ultrafleet.constructs.capacity_block_schedule import CapacityBlockSchedule, CapacityBlockScheduleProps
from ultrafleet.constructs.fleet_health import NodeHealthPolicy, NodeHealthPolicyProps, NodeHealthProps, lifecycle_hooks
from ultrafleet.planning.node_lifecycle import CapacityBlockTimes
from ultrafleet.spec import parse_spec
from ultrafleet.templates import render
from ultrafleet.testing.harness import BOOTSTRAP_VERSION, BOOTSTRAP_VERSION_PARAMETER, MotoServer
from ultrafleet.validation import validate

runner = CliRunner()
BLOCK = {
    "type": "capacity-block",
    "reservation_id": "cr-0123456789abcdef0",
    "starts_at": "2026-12-01T10:00:00Z",
    "ends_at": "2026-12-03T10:00:00Z",
}
SPEC = spec_dict(
    availability_zones=["us-east-1a"],
    fleets=[fleet(count=4, spares=1, capacity=BLOCK)],
    storage={"checkpoint": {"model_parameters_billion": 70}, "nvme_cache": {"write_gb_s_per_node": 10}},
)


@pytest.fixture(scope="module")
def stacks():
    return build_stacks(SPEC)


@pytest.fixture(scope="module")
def train(stacks):
    return Template.from_stack(stacks.fleets["train"])


def only(template: Template, kind: str) -> dict:
    (resource,) = template.find_resources(kind).values()
    return resource["Properties"]


def test_hooks_hold_nodes_until_the_gate_passes_and_until_the_drain_ends(train):
    group = only(train, "AWS::AutoScaling::AutoScalingGroup")
    assert group["LifecycleHookSpecificationList"] == [
        {
            "LifecycleHookName": "ultrafleet-launch",
            "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING",
            "HeartbeatTimeout": 900,
            "DefaultResult": "ABANDON",
        },
        {
            "LifecycleHookName": "ultrafleet-terminate",
            "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
            "HeartbeatTimeout": 300,  # max(300, 2 x 20 s planned drain to S3)
            "DefaultResult": "CONTINUE",
        },
    ]
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == ("5", "5", "5")  # 4 + 1 spare


def test_a_node_may_act_only_on_its_own_group(train):
    (policy,) = [
        p["Properties"]
        for p in train.find_resources("AWS::IAM::Policy").values()
        if p["Properties"]["PolicyDocument"]["Statement"][0].get("Sid") == "OwnGroupLifecycle"
    ]
    role = train.find_resources("AWS::IAM::Role", {"Properties": {"Description": "ultrafleet fleet train"}})
    assert policy["Roles"] == [{"Ref": next(iter(role))}]
    own, breaker = policy["PolicyDocument"]["Statement"]
    assert sorted(own["Action"]) == [
        "autoscaling:CompleteLifecycleAction",
        "autoscaling:RecordLifecycleActionHeartbeat",
        "autoscaling:SetInstanceHealth",
    ]
    assert own["Resource"]["Fn::Join"][1][-1] == ":autoScalingGroup:*:autoScalingGroupName/demo-train"
    assert breaker["Action"] == "cloudwatch:DescribeAlarms"
    assert breaker["Resource"]["Fn::Join"][1][-1] == ":alarm:demo-train-health-breaker"


def test_capacity_block_rules_resize_the_group_on_delivery_and_warning(train):
    rules = {
        r["Properties"]["EventPattern"]["detail-type"][0]: r["Properties"]
        for r in train.find_resources("AWS::Events::Rule").values()
    }
    assert sorted(rules) == ["Capacity Block Delivered", "Capacity Block Expiration Warning"]
    for detail_type, size in (("Capacity Block Delivered", 5), ("Capacity Block Expiration Warning", 0)):
        rule = rules[detail_type]
        assert rule["EventPattern"] == {
            "source": ["aws.ec2"],
            "detail-type": [detail_type],
            "detail": {"capacity-reservation-id": ["cr-0123456789abcdef0"]},
        }
        (target,) = rule["Targets"]
        assert json.loads(target["Input"]) == {"size": size}
    machine = only(train, "AWS::StepFunctions::StateMachine")
    definition = json.dumps(machine["DefinitionString"])
    assert ":states:::aws-sdk:autoscaling:updateAutoScalingGroup" in definition
    assert '\\"AutoScalingGroupName\\":\\"demo-train\\"' in definition


def test_scheduled_actions_scale_out_at_start_and_in_before_the_drain_must_end(train):
    actions = sorted(
        (a["Properties"]["StartTime"], a["Properties"]["DesiredCapacity"], a["Properties"]["MinSize"])
        for a in train.find_resources("AWS::AutoScaling::ScheduledAction").values()
    )
    # 10:00 end - 30 min (EC2 starts terminating) - 300 s heartbeat = 09:25
    assert actions == [("2026-12-01T10:00:00Z", 5, 5), ("2026-12-03T09:25:00Z", 0, 0)]


def test_observability_alarms_for_the_breaker_replacements_and_unfinished_drains(stacks):
    alarms = {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in Template.from_stack(stacks.observability[0]).find_resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["Namespace"] == "ultrafleet" and a["Properties"]["MetricName"] != "PendingCheckpoints"
    }
    assert sorted(alarms) == ["DrainIncomplete", "NodesReplaced", "UnhealthyNodes"]
    breaker = alarms["UnhealthyNodes"]
    assert (breaker["AlarmName"], breaker["Threshold"], breaker["Period"], breaker["ComparisonOperator"]) == (
        "demo-train-health-breaker",
        1.0,  # 20% of 5 nodes
        300,
        "GreaterThanThreshold",
    )
    assert (alarms["NodesReplaced"]["Period"], alarms["NodesReplaced"]["Threshold"]) == (3600, 1)
    assert all(
        a["Dimensions"] == [{"Name": "Fleet", "Value": "train"}] and a["Statistic"] == "Sum" for a in alarms.values()
    )


def test_without_self_repair_no_hook_no_permission_and_a_bare_group_looks_itself_up():
    assert lifecycle_hooks(NodeHealthProps(self_repair=False)) is None
    assert [h.lifecycle_hook_name for h in lifecycle_hooks(NodeHealthProps(termination_heartbeat_seconds=60))] == [
        "ultrafleet-launch",
        "ultrafleet-terminate",
    ]
    stack = Stack()
    group = autoscaling.CfnAutoScalingGroup(stack, "Group", min_size="1", max_size="1")
    from aws_cdk import aws_iam as iam

    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    NodeHealthPolicy(stack, "Health", props=NodeHealthPolicyProps(role=role, group=group))
    own, find = only(Template.from_stack(stack), "AWS::IAM::Policy")["PolicyDocument"]["Statement"]
    assert {"Ref": "Group"} in own["Resource"]["Fn::Join"][1]
    assert (find["Action"], find["Resource"]) == ("autoscaling:DescribeAutoScalingInstances", "*")


def test_capacity_block_schedule_alone_without_times_adds_no_scheduled_action():
    stack = Stack()
    group = autoscaling.CfnAutoScalingGroup(stack, "Group", min_size="0", max_size="2")
    CapacityBlockSchedule(
        stack,
        "Block",
        props=CapacityBlockScheduleProps(
            group=group,
            group_name="g",
            reservation_id="cr-0123456789abcdef0",
            size=2,
            times=CapacityBlockTimes(scale_out_at=None, scale_in_at=None, warning_lead_seconds=600),
        ),
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::AutoScaling::ScheduledAction", 0)
    template.resource_count_is("AWS::Events::Rule", 2)


def findings(**changes):
    data = SPEC | changes
    return [str(f) for f in validate(parse_spec(data))]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"fleets": [fleet(spares=1)]},
            "error UF-LCY-001 fleets[0].spares: 1: hot spares are for reserved capacity (capacity-reservation or "
            "capacity-block), where a failed node has no free slot to be replaced in; with on-demand the group "
            "launches a replacement itself: remove spares",
        ),
        (
            {"fleets": [fleet(capacity=BLOCK | {"ends_at": "2026-12-01T09:00:00Z"})]},
            "error UF-LCY-005 fleets[0].capacity.ends_at: 2026-12-01T09:00:00+00:00 is not after starts_at "
            "2026-12-01T10:00:00+00:00; a Capacity Block ends after it starts: fix the order",
        ),
        (
            {"fleets": [fleet(capacity=BLOCK | {"starts_at": "2026-12-01T10:30:00Z"})]},
            "error UF-LCY-003 fleets[0].capacity.starts_at: 2026-12-01T10:30:00+00:00: Capacity Blocks start and end "
            "on whole hours; use 2026-12-01T10:00:00+00:00 or the next hour",
        ),
        (
            {"fleets": [fleet(capacity=BLOCK | {"starts_at": "2026-12-01T11:00:00+01:00"})]},
            "error UF-LCY-002 fleets[0].capacity.starts_at: 2026-12-01T11:00:00+01:00: give the time in UTC with a Z "
            "suffix, as Capacity Blocks are scheduled (e.g. 2026-12-01T10:00:00Z)",
        ),
        (
            {"fleets": [fleet(capacity=BLOCK | {"ends_at": None})]},
            "error UF-LCY-004 fleets[0].capacity.ends_at: missing: starts_at is set; give both times or neither",
        ),
        (
            {"fleets": [fleet(health={"termination_heartbeat_seconds": 7201})]},
            "error UF-LCY-006 fleets[0].health.termination_heartbeat_seconds: 7201: Auto Scaling allows a lifecycle "
            "hook heartbeat of 30 to 7200 s; set at most 7200 (the node records a heartbeat every half period, so a "
            "drain may run longer)",
        ),
        (
            {
                "fleets": [fleet(health={"termination_heartbeat_seconds": 30})],
                "storage": {"checkpoint": {"size_gb": 500000}, "nvme_cache": {"write_gb_s_per_node": 10}},
            },
            "error UF-LCY-007 fleets[0].health.termination_heartbeat_seconds: 30: the planned drain (20,000 s) "
            "exceeds the longest wait Auto Scaling allows (3,000 s = min(48 h, 100 x heartbeat)); raise the heartbeat "
            "or the drain target's bandwidth (storage.lustre throughput, more nodes)",
        ),
        (
            {"fleets": [fleet(count=60, spares=8, capacity=BLOCK)]},
            "error UF-LCY-009 fleets[0].spares: 8: count plus spares (68) exceeds the 64 instances a Capacity Block "
            "holds; use at most 4 spares, or split the fleet across blocks",
        ),
    ],
    ids=[
        "spares",
        "end-before-start",
        "whole-hours",
        "utc",
        "both-times",
        "heartbeat-max",
        "drain-too-long",
        "block-size",
    ],
)
def test_bad_lifecycle_settings_are_named_with_value_and_fix(changes, message):
    assert message in findings(**changes)


def test_the_cli_refuses_bad_lifecycle_input_with_exit_2_and_writes_nothing(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(SPEC | {"fleets": [fleet(spares=2)]}))
    out = tmp_path / "cdk.out"
    result = runner.invoke(app, ["synth", str(spec), "--output", str(out)])
    assert result.exit_code == 2
    assert "UF-LCY-001 fleets[0].spares: 2: hot spares are for reserved capacity" in result.output
    assert not out.exists()


def test_an_event_only_block_warns_when_the_warning_leaves_too_little_drain_time():
    block = {"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0"}
    storage = {"checkpoint": {"size_gb": 20000}, "nvme_cache": {"write_gb_s_per_node": 10}}
    assert (
        "warning UF-LCY-008 fleets[0].capacity.ends_at: not set: EC2's expiration warning leaves 600 s before "
        "termination begins, less than the planned drain (800 s); set starts_at and ends_at so a scheduled action "
        "scales in earlier"
    ) in findings(fleets=[fleet(capacity=block)], storage=storage)


def test_plan_shows_spares_gate_heartbeat_and_block_schedule(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    result = runner.invoke(app, ["plan", str(spec)], terminal_width=250)
    assert result.exit_code == 0, result.output
    assert "5 (1 hot spare)" in result.output
    assert "8 GPUs, 32 EFA devices, fabric manager, health.d" in result.output
    assert "heartbeat 300 s = max(300, 2 x 20 s planned drain to s3)" in result.output
    assert (
        "train: Capacity Block events resize the group (5 on delivery, 0 on the warning, 600 s before EC2 begins "
        "terminating); scheduled: 5 at 2026-12-01T10:00:00Z, 0 at 2026-12-03T09:25:00Z"
    ) in result.output
    data = json.loads(runner.invoke(app, ["plan", str(spec), "--json"]).stdout)
    assert data["lifecycle"]["train"]["termination"] == {
        "heartbeat_seconds": 300,
        "drain_seconds": 19.6,
        "longest_wait_seconds": 30000,
        "explanation": "300 s = max(300, 2 x 20 s planned drain to s3)",
    }


# --- deployed into moto -------------------------------------------------------------------------------------------

AWS_SHIM = r'''#!/usr/bin/env python3
"""`aws [--region R] SERVICE OPERATION --kebab-param value ... [--query Q --output text]` against moto: the CLI's
own parameter naming (kebab-case to PascalCase, --no-x for False), the put-metric-data shorthand, jmespath --query."""
import os, sys
import boto3, jmespath
args = sys.argv[1:]
region = "us-east-1"
if args[0] == "--region":
    region, args = args[1], args[2:]
service, operation, rest = args[0], args[1].replace("-", "_"), args[2:]
params, query, i = {}, None, 0
while i < len(rest):
    key = rest[i][2:]
    if key.startswith("no-"):
        params["".join(w.title() for w in key[3:].split("-"))] = False
        i += 1
        continue
    value = rest[i + 1]
    i += 2
    if key == "query":
        query = value
    elif key != "output":
        params["".join(w.title() for w in key.split("-"))] = value
if operation == "put_metric_data":
    dim = dict(d.split("=") for d in params.pop("Dimensions").split(","))
    dimensions = [{"Name": k, "Value": v} for k, v in dim.items()]
    params["MetricData"] = [{"MetricName": params.pop("MetricName"), "Value": float(params.pop("Value")),
                             "Unit": params.pop("Unit"), "Dimensions": dimensions}]
for plural in ("InstanceIds", "AlarmNames"):
    if plural in params:
        params[plural] = [params[plural]]
client = boto3.client(service, region_name=region, endpoint_url=os.environ["AWS_ENDPOINT_URL"])
response = getattr(client, operation)(**params)
if query:
    print(jmespath.search(query, response))
'''


@pytest.fixture(scope="module")
def moto(stacks):
    with MotoServer() as cloud:
        cloud.client("ssm").put_parameter(Name=BOOTSTRAP_VERSION_PARAMETER, Value=BOOTSTRAP_VERSION, Type="String")
        for stack in (stacks.network, stacks.storage, stacks.fleets["train"]):
            cloud.deploy(stack.stack_name, Template.from_stack(stack).to_json())
        yield cloud


def test_hooks_rules_and_scheduled_actions_as_deployed(moto):
    asg = moto.client("autoscaling")
    hooks = asg.describe_lifecycle_hooks(AutoScalingGroupName="demo-train")["LifecycleHooks"]
    assert sorted(
        (h["LifecycleHookName"], h["LifecycleTransition"], h["HeartbeatTimeout"], h["DefaultResult"]) for h in hooks
    ) == [
        ("ultrafleet-launch", "autoscaling:EC2_INSTANCE_LAUNCHING", 900, "ABANDON"),
        ("ultrafleet-terminate", "autoscaling:EC2_INSTANCE_TERMINATING", 300, "CONTINUE"),
    ]
    actions = asg.describe_scheduled_actions(AutoScalingGroupName="demo-train")["ScheduledUpdateGroupActions"]
    assert sorted((a["StartTime"].strftime("%Y-%m-%dT%H:%M:%SZ"), a["DesiredCapacity"]) for a in actions) == [
        ("2026-12-01T10:00:00Z", 5),
        ("2026-12-03T09:25:00Z", 0),
    ]
    events = moto.client("events")
    rules = {json.loads(r["EventPattern"])["detail-type"][0]: r for r in events.list_rules()["Rules"]}
    assert sorted(rules) == ["Capacity Block Delivered", "Capacity Block Expiration Warning"]
    machines = moto.client("stepfunctions").list_state_machines()["stateMachines"]
    for rule in rules.values():
        (target,) = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert target["Arn"] == machines[0]["stateMachineArn"]


def test_a_node_marking_itself_unhealthy_is_what_its_group_sees(moto, tmp_path):
    asg = moto.client("autoscaling")
    (group,) = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-train"])["AutoScalingGroups"]
    instance = group["Instances"][0]["InstanceId"]
    assert group["Instances"][0]["HealthStatus"] == "Healthy"
    from test_node_health_scripts import FAKE_CURL, health_script

    bin_dir, imds = tmp_path / "bin", tmp_path / "imds"
    bin_dir.mkdir()
    imds.mkdir()
    (imds / "instance-id").write_text(instance)
    (imds / "placement_region").write_text("us-east-1")
    for name, body in (("aws", AWS_SHIM.replace("/usr/bin/env python3", sys.executable)), ("curl", FAKE_CURL)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    lifecycle = tmp_path / "ultrafleet-lifecycle"
    lifecycle.write_text(render("node_lifecycle.sh.j2", h=health_script("p5.48xlarge")))
    lifecycle.chmod(0o755)
    env = moto.env | {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "FAKE_IMDS": str(imds),
        "ULTRAFLEET_STATE_DIR": str(tmp_path / "state"),
    }
    joined = subprocess.run([str(lifecycle), "joined"], capture_output=True, text=True, env=env, timeout=60)
    assert joined.returncode == 0, joined.stderr
    result = subprocess.run(
        [str(lifecycle), "unhealthy", "XID 79"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 1
    assert "marked Unhealthy in demo-train: the group replaces this node" in result.stderr
    seen = asg.describe_auto_scaling_instances(InstanceIds=[instance])["AutoScalingInstances"][0]
    assert seen["HealthStatus"].upper() == "UNHEALTHY"
    from moto.autoscaling.models import autoscaling_backends

    recorded = autoscaling_backends["123456789012"]["us-east-1"].lifecycle_actions
    assert recorded[-1] == {
        "Action": "CompleteLifecycleAction",
        "AutoScalingGroupName": "demo-train",
        "LifecycleHookName": "ultrafleet-launch",
        "InstanceId": instance,
        "LifecycleActionResult": "CONTINUE",
    }
    metrics = moto.client("cloudwatch").list_metrics(Namespace="ultrafleet")["Metrics"]
    assert {m["MetricName"] for m in metrics} == {"UnhealthyNodes", "NodesReplaced"}


def test_guard_moto_still_drops_lifecycle_hook_specifications_and_lacks_lifecycle_actions():
    import inspect

    from moto.autoscaling.responses import AutoScalingResponse

    from ultrafleet.testing.moto_extensions import autoscaling as extension

    assert "LifecycleHookSpecificationList" not in inspect.getsource(extension._original_create)
    native = inspect.getsource(AutoScalingResponse)
    assert "def complete_lifecycle_action" not in native
    assert "def record_lifecycle_action_heartbeat" not in native


def user_data_bytes(template: dict) -> int:
    """The user data's size with every deploy-time value at its longest (a bucket name: 63 characters)."""
    from ultrafleet.testing.user_data import joined

    (lt,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::EC2::LaunchTemplate"]
    return len(joined(lt["Properties"]["LaunchTemplateData"], token="x" * 63).encode())


def test_every_boot_script_fits_ec2s_16_kb_of_user_data(reference_stacks):
    """EC2 limits user data to 16 KB before base64; the health scripts ship compressed to stay inside it."""
    sizes = {n: user_data_bytes(Template.from_stack(s).to_json()) for n, s in reference_stacks.fleets.items()}
    assert all(size < 16 * 1024 for size in sizes.values()), sizes


def test_a_group_with_a_warm_pool_gets_no_launch_hook():
    """An instance leaving a warm pool waits in the launch hook again, but its user data ran only once."""
    from dataclasses import replace

    from test_node_health_scripts import health_script

    from ultrafleet.constructs.fleet_health import for_group

    props = NodeHealthProps(termination_heartbeat_seconds=300)
    assert for_group(props, warm_pool=False) is props
    pooled = for_group(props, warm_pool=True)
    assert [h.lifecycle_hook_name for h in lifecycle_hooks(pooled)] == ["ultrafleet-terminate"]
    assert pooled.self_repair
    script = render("node_lifecycle.sh.j2", h=replace(health_script("g6e.xlarge"), launch_hook=""))
    assert "complete ultrafleet-launch" not in script and "set_unhealthy" in script  # still marks itself


@pytest.mark.parametrize(("size", "threshold"), [(2, 1), (5, 1), (10, 2), (64, 12)])
def test_the_breaker_always_lets_one_node_be_repaired(size, threshold):
    from aws_cdk import aws_sns as sns

    from ultrafleet.constructs.fleet_health_alarms import FleetHealthAlarms

    stack = Stack()
    FleetHealthAlarms(
        stack,
        "Health",
        fleet_name="train",
        breaker_alarm_name="demo-train-health-breaker",
        group_size=size,
        max_unhealthy_percent=20,
        check_interval_minutes=5,
        drains=False,
        alarm_actions=[sns.Topic(stack, "Alarms").topic_arn],
    )
    alarms = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    (breaker,) = [a["Properties"] for a in alarms.values() if a["Properties"]["MetricName"] == "UnhealthyNodes"]
    assert (breaker["Threshold"], len(alarms)) == (threshold, 2)
