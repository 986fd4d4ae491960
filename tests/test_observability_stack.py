"""The observability stack: alarm topic, log groups, dashboard, alarms; and the CloudWatch agent the nodes run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk.assertions import Match, Template

from ultrafleet import catalog
from ultrafleet.constructs.fleet_nodes import Accelerator, cloudwatch_hook
from ultrafleet.planning.fleets import resolve
from ultrafleet.spec import parse_spec
from ultrafleet.templates import render

SHELLCHECK = str(Path(sys.executable).parent / "shellcheck")


@pytest.fixture(scope="module")
def observability(reference_stacks) -> Template:
    (stack,) = reference_stacks.observability  # one stack: the reference spec needs no shards
    return Template.from_stack(stack)


def test_alarm_topic_is_encrypted_and_tls_only(observability):
    observability.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    observability.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
                ],
                "Version": "2012-10-17",
            }
        },
    )


def test_a_log_group_per_fleet_with_retention(observability):
    groups = {
        r["Properties"]["LogGroupName"]: r["Properties"]["RetentionInDays"]
        for r in observability.find_resources("AWS::Logs::LogGroup").values()
    }
    assert groups == {
        f"/ultrafleet/frontier/{f}": 90 for f in ("pretrain-b200", "gb200-nvl72", "trn2-finetune", "serve-g7e")
    }


def test_alarms_and_where_they_go(observability):
    alarms = {
        r["Properties"]["AlarmDescription"]: r["Properties"]
        for r in observability.find_resources("AWS::CloudWatch::Alarm").values()
        # node health alarms: tests/test_node_health.py
        if r["Properties"]["MetricName"] not in ("UnhealthyNodes", "NodesReplaced", "DrainIncomplete")
    }
    assert sorted(d.split(":")[0] for d in alarms) == [
        "gb200-nvl72",
        "pretrain-b200",
        "serve-g7e",
        "serve-g7e",
        "trn2-finetune",
    ]
    drain = alarms["pretrain-b200: finished checkpoints are not leaving NVMe (drain failing or too slow)"]
    assert (drain["Namespace"], drain["MetricName"], drain["Threshold"], drain["EvaluationPeriods"]) == (
        "ultrafleet",
        "PendingCheckpoints",
        3,
        6,
    )
    assert drain["Dimensions"] == [{"Name": "Fleet", "Value": "pretrain-b200"}]
    at_max = alarms["serve-g7e: scaled to max_size 12 for 15 minutes; demand may exceed capacity"]
    assert (at_max["MetricName"], at_max["Threshold"], at_max["Dimensions"]) == (
        "GroupInServiceInstances",
        12,
        [{"Name": "AutoScalingGroupName", "Value": "frontier-serve-g7e"}],
    )
    unhealthy = alarms["serve-g7e: model servers failing health checks"]
    assert (unhealthy["Namespace"], unhealthy["MetricName"]) == ("AWS/ApplicationELB", "UnHealthyHostCount")
    assert all(
        a["AlarmActions"] == [{"Ref": next(iter(observability.find_resources("AWS::SNS::Topic")))}]
        for a in alarms.values()
    )


def test_dashboard_covers_every_fleet(observability):
    (dashboard,) = observability.find_resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert dashboard["Properties"]["DashboardName"] == "ultrafleet-frontier"
    for title in (
        "pretrain-b200: instances",
        "pretrain-b200: GPU utilization %",
        "trn2-finetune: disk used %",
        "pretrain-b200: checkpoints awaiting drain",
        "serve-g7e: requests",
        "serve-g7e: latency p50 / p99",
        "serve-g7e: healthy / unhealthy hosts",
    ):
        assert title in body, title
    assert "trn2-finetune: GPU utilization" not in body  # Trainium: no NVIDIA GPU metrics


def test_observability_imports_nothing_from_fleet_stacks(reference_stacks):
    """Fleet stacks stay independently destroyable: no export of theirs is used elsewhere."""
    for stack in reference_stacks.fleets.values():
        assert Template.from_stack(stack).to_json().get("Outputs", {}) == {}


def test_groups_have_conventional_names(reference_stacks):
    group = Template.from_stack(reference_stacks.fleets["serve-g7e"]).find_resources(
        "AWS::AutoScaling::AutoScalingGroup"
    )
    assert next(iter(group.values()))["Properties"]["AutoScalingGroupName"] == "frontier-serve-g7e"


@pytest.mark.parametrize("itype", ["p5.48xlarge", "trn2.48xlarge"])
def test_cloudwatch_agent_hook_is_valid_and_shellcheck_clean(tmp_path, itype):
    spec = parse_spec(
        {
            "name": "demo",
            "region": "us-east-1",
            "availability_zones": ["us-east-1a"],
            "fleets": [{"name": "train", "role": "training", "instance_type": itype, "count": 1}],
        }
    )
    acc = resolve(spec, 0).instance_type.accelerators
    hook = cloudwatch_hook(Accelerator(acc.kind) if acc else None, "/ultrafleet/demo/train", ["/", "/opt/dlami/nvme"])
    script = render(
        "node_init.sh.j2",
        fleet_name="train",
        instance_type=itype,
        efa_interfaces=1,
        neuron=catalog.get(itype).accelerators.kind == "neuron",
        hooks=[hook],
    )
    config = script.split("<<'CONFIG'\n")[1].split("\nCONFIG")[0]
    parsed = json.loads(config)
    assert parsed["metrics"]["metrics_collected"]["disk"]["resources"] == ["/", "/opt/dlami/nvme"]
    assert ("nvidia_gpu" in parsed["metrics"]["metrics_collected"]) is (itype == "p5.48xlarge")
    assert parsed["logs"]["logs_collected"]["files"]["collect_list"][0]["log_group_name"] == "/ultrafleet/demo/train"
    path = tmp_path / "node.sh"
    path.write_text(script)
    assert subprocess.run([SHELLCHECK, "--severity=style", str(path)], capture_output=True).returncode == 0


def test_stacks_hold_every_observability_shard_in_order(monkeypatch):
    """A sharded spec's ``Stacks.observability`` is every shard, the first holding the topic the others use. The
    plan is cut in two here: a spec needs 100 fleets to shard (tests/test_stack_quotas.py), too many to build here."""
    import dataclasses

    import ultrafleet.stacks as stacks_module
    from conftest import build_stacks, fleet, spec_dict

    planned = stacks_module.checked_plan

    def two_shards(spec):
        plan, findings = planned(spec)
        (shard,) = plan.observability_shards
        return dataclasses.replace(plan, observability_shards=(shard[:1], shard[1:])), findings

    monkeypatch.setattr(stacks_module, "checked_plan", two_shards)
    stacks = build_stacks(spec_dict(fleets=[fleet(name="first"), fleet(name="second")]))
    assert [s.stack_name for s in stacks.observability] == ["demo-observability", "demo-observability-1"]
    first, second = (Template.from_stack(s) for s in stacks.observability)
    first.resource_count_is("AWS::SNS::Topic", 1)
    second.resource_count_is("AWS::SNS::Topic", 0)
    assert [p["Properties"]["LogGroupName"] for p in second.find_resources("AWS::Logs::LogGroup").values()] == [
        "/ultrafleet/demo/second"
    ]
