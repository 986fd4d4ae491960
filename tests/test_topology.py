"""`ultrafleet topology`: topology files from saved DescribeInstanceTopology output (recorded shape) and from
live reads stubbed with botocore's Stubber; bad input exits 2 with a clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from ultrafleet.cli.commands import app

FIXTURES = Path(__file__).parent / "fixtures/topology"
SHELLCHECK = str(Path(sys.executable).parent / "shellcheck")
runner = CliRunner()


def topology(*args: str):
    return runner.invoke(app, ["topology", *args])


def test_p5_slurm_tree(tmp_path):
    result = topology("--input", str(FIXTURES / "p5.json"), "--format", "slurm")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    i = [f"i-{n:017x}" for n in range(1, 5)]
    assert lines == [
        f"SwitchName=nn-l3a Nodes={i[0]},{i[2]}",
        f"SwitchName=nn-l3b Nodes={i[1]}",
        f"SwitchName=nn-l3c Nodes={i[3]}",
        "SwitchName=nn-l2a Switches=nn-l3a,nn-l3b",
        "SwitchName=nn-l2b Switches=nn-l3c",
        "SwitchName=nn-l1 Switches=nn-l2a,nn-l2b",
    ]


def test_p6_b200_has_four_layers_and_a_single_top():
    out = topology("--input", str(FIXTURES / "p6-b200.json")).stdout
    assert "# 4 network layers" in out
    switches = [line for line in out.splitlines() if line.startswith("SwitchName=")]
    assert switches[-1] == "SwitchName=nn-a Switches=nn-b1"
    assert "SwitchName=nn-c1 Switches=nn-d1,nn-d2" in switches
    assert len(switches) == 3 + 2 + 1 + 1  # leaves d1-d3, c1-c2, b1, a


def test_ultraserver_domains_become_slurm_blocks():
    out = topology("--input", str(FIXTURES / "p6e-gb200.json")).stdout
    blocks = [line for line in out.splitlines() if line.startswith("BlockName=")]
    assert [b.split(" ")[0] for b in blocks] == ["BlockName=cr-0aaaaaaaaaaaaaaa1", "BlockName=cr-0bbbbbbbbbbbbbbb2"]
    assert all(len(b.split("Nodes=")[1].split(",")) == 9 for b in blocks)
    assert out.strip().endswith("BlockSizes=9")


def test_hostfile_is_ordered_by_topology_with_accelerator_slots():
    out = topology("--input", str(FIXTURES / "p5.json"), "--format", "hostfile").stdout
    hosts = [line for line in out.splitlines() if not line.startswith("#")]
    i = [f"i-{n:017x}" for n in range(1, 5)]
    assert hosts == [f"{i[0]} slots=8", f"{i[2]} slots=8", f"{i[1]} slots=8", f"{i[3]} slots=8"]
    gb = topology("--input", str(FIXTURES / "p6e-gb200.json"), "--format", "hostfile").stdout
    assert gb.splitlines()[1].endswith("slots=4")


def test_k8s_labels_use_the_eks_label_names_and_pass_shellcheck(tmp_path):
    out = topology("--input", str(FIXTURES / "p6e-gb200.json"), "--format", "k8s-labels").stdout
    first = next(line for line in out.splitlines() if line.startswith("kubectl"))
    assert first == (
        f"kubectl label node i-{0x100:017x} --overwrite topology.k8s.aws/network-node-layer-1=nn-g1 "
        "topology.k8s.aws/network-node-layer-2=nn-g2 topology.k8s.aws/network-node-layer-3=nn-g3a "
        "topology.k8s.aws/ultraserver-id=cr-0aaaaaaaaaaaaaaa1"
    )
    b200 = topology("--input", str(FIXTURES / "p6-b200.json"), "--format", "k8s-labels").stdout
    assert "topology.k8s.aws/network-node-layer-4=nn-d1" in b200
    script = tmp_path / "labels.sh"
    script.write_text(out)
    assert subprocess.run([SHELLCHECK, str(script)], capture_output=True).returncode == 0


def test_output_file(tmp_path):
    target = tmp_path / "topology.conf"
    result = topology("--input", str(FIXTURES / "p5.json"), "--output", str(target))
    assert result.exit_code == 0
    assert "wrote" in result.stdout and "(4 nodes, 3 layers, us-east-1a)" in result.stdout
    assert target.read_text().count("SwitchName=") == 6


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("malformed.json", "is not valid JSON (line 3)"),
        ("missing-fields.json", "Instances[0]: lacks NetworkNodes"),
        ("mixed-zones.json", "mixes zones us-east-1a, us-east-1b; a network tree is per zone"),
    ],
)
def test_bad_input_exits_2_with_a_clear_error(fixture, message):
    result = topology("--input", str(FIXTURES / fixture))
    assert result.exit_code == 2
    assert message in result.stderr


def test_usage_errors_exit_2():
    assert topology("--input", str(FIXTURES / "p5.json"), "--format", "csv").exit_code == 2
    assert topology("--input", str(FIXTURES / "p5.json"), "--asg", "x").exit_code == 2
    assert topology("--input", str(FIXTURES / "nope.json")).exit_code == 2


def stubbed(monkeypatch, build):
    """Replace boto3.client with clients whose responses `build(stubbers)` queues."""
    clients = {
        s: boto3.client(s, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        for s in ("ec2", "autoscaling")
    }
    stubbers = {s: Stubber(c) for s, c in clients.items()}
    build(stubbers)
    for s in stubbers.values():
        s.activate()
    monkeypatch.setattr(boto3, "client", lambda service, **kw: clients[service])
    return stubbers


def test_live_placement_group_is_paginated_and_named_by_hostname(monkeypatch):
    p5 = __import__("json").loads((FIXTURES / "p5.json").read_text())["Instances"]

    def build(s):
        s["ec2"].add_response(
            "describe_instance_topology", {"Instances": p5[:2], "NextToken": "t1"}, {"GroupNames": ["team-uc"]}
        )
        s["ec2"].add_response(
            "describe_instance_topology", {"Instances": p5[2:]}, {"GroupNames": ["team-uc"], "NextToken": "t1"}
        )
        s["ec2"].add_response(
            "describe_instances",
            {
                "Reservations": [
                    {
                        "Instances": [
                            {"InstanceId": i["InstanceId"], "PrivateDnsName": f"ip-10-0-0-{n}.ec2.internal"}
                            for n, i in enumerate(p5, start=1)
                        ]
                    }
                ]
            },
            {"InstanceIds": [i["InstanceId"] for i in p5]},
        )

    stubbers = stubbed(monkeypatch, build)
    result = topology("--placement-group", "team-uc", "--format", "hostfile", "--region", "us-east-1")
    assert result.exit_code == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()[1:]] == [
        "ip-10-0-0-1",
        "ip-10-0-0-3",
        "ip-10-0-0-2",
        "ip-10-0-0-4",
    ]
    stubbers["ec2"].assert_no_pending_responses()


def test_live_asg_reports_instances_without_topology(monkeypatch):
    p5 = __import__("json").loads((FIXTURES / "p5.json").read_text())["Instances"]
    ids = [i["InstanceId"] for i in p5] + ["i-00000000000000099"]

    def build(s):
        s["autoscaling"].add_response(
            "describe_auto_scaling_groups",
            {
                "AutoScalingGroups": [
                    {
                        "AutoScalingGroupName": "g",
                        "MinSize": 5,
                        "MaxSize": 5,
                        "DesiredCapacity": 5,
                        "DefaultCooldown": 300,
                        "AvailabilityZones": ["us-east-1a"],
                        "HealthCheckType": "EC2",
                        "CreatedTime": "2026-01-01T00:00:00Z",
                        "Instances": [
                            {
                                "InstanceId": i,
                                "AvailabilityZone": "us-east-1a",
                                "LifecycleState": "InService",
                                "HealthStatus": "Healthy",
                                "ProtectedFromScaleIn": False,
                            }
                            for i in ids
                        ],
                    }
                ]
            },
            {"AutoScalingGroupNames": ["g"]},
        )
        s["ec2"].add_response("describe_instance_topology", {"Instances": p5}, {"InstanceIds": ids})
        s["ec2"].add_response("describe_instances", {"Reservations": []}, {"InstanceIds": ids[:4]})

    stubbed(monkeypatch, build)
    result = topology("--asg", "g", "--region", "us-east-1")
    assert result.exit_code == 2
    assert "has no topology for i-00000000000000099" in result.stderr


def test_live_missing_permission_is_named(monkeypatch):
    def build(s):
        s["ec2"].add_client_error(
            "describe_instance_topology", service_error_code="UnauthorizedOperation", http_status_code=403
        )

    stubbed(monkeypatch, build)
    result = topology("--instance-id", "i-0123", "--region", "us-east-1")
    assert result.exit_code == 2
    assert (
        "ec2:DescribeInstanceTopology: is not allowed for these credentials (UnauthorizedOperation); grant "
        "ec2:DescribeInstanceTopology to the caller" in result.stderr
    )
