"""The node health scripts (boot gate, periodic check, lifecycle helper, termination watch), run for real against
fake tools that print recorded outputs (tests/fixtures/health/SOURCES.md), and shellchecked."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from ultrafleet import catalog
from ultrafleet.constructs.fleet_health import NodeHealthProps, NodeHealthScript
from ultrafleet.planning.efa_layout import interfaces
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.node_lifecycle import gate_expectations
from ultrafleet.spec.models import Fleet
from ultrafleet.templates import render

SHELLCHECK = str(Path(sys.executable).parent / "shellcheck")
FIXTURES = Path(__file__).parent / "fixtures" / "health"
SCRIPTS = {
    "lifecycle": "node_lifecycle.sh.j2",
    "gate": "health_gate.sh.j2",
    "check": "health_check.sh.j2",
    "watch": "termination_watch.sh.j2",
}

FAKE_AWS = r"""#!/usr/bin/env python3
import os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_CALLS"], "a") as out:
    out.write("aws " + " ".join(args) + "\n")
if "describe-alarms" in args:
    print(os.environ.get("FAKE_BREAKER", "OK"))
if "describe-auto-scaling-instances" in args:
    print("found-group")
"""
FAKE_CURL = r"""#!/usr/bin/env python3
import os, sys
args = sys.argv[1:]
if "PUT" in args:
    print("token")
    sys.exit(0)
path = args[-1].split("/latest/meta-data/", 1)[1]
f = os.path.join(os.environ["FAKE_IMDS"], path.replace("/", "_"))
if not os.path.exists(f):
    sys.exit(22)
lines = open(f).read().splitlines()
print(lines[0])
if len(lines) > 1:
    open(f, "w").write("\n".join(lines[1:]) + "\n")
"""


def health_script(itype: str, **changes) -> NodeHealthScript:
    t = catalog.get(itype)
    layout = interfaces(t, efa=t.efa_supported)
    fleet = ResolvedFleet(
        spec=Fleet(name="train", role="training", instance_type=itype, count=2),
        path="fleets[0]",
        instance_type=t,
        ultraserver=None,
        instances=2,
        availability_zones=("us-east-1a",),
        efa=t.efa_supported,
        layout=layout,
        placement_strategy=None,
    )
    script = NodeHealthScript.of(
        fleet_name="train",
        instance_type=itype,
        gate=gate_expectations(fleet),
        props=NodeHealthProps(termination_heartbeat_seconds=600),
        group_name="demo-train",
        breaker_alarm_name="demo-train-health-breaker",
    )
    return replace(script, **changes)


class Node:
    """A fake node: tools on PATH that print recorded outputs, IMDS files, a calls log."""

    def __init__(self, tmp_path: Path, h: NodeHealthScript):
        self.root, self.h = tmp_path, h
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.imds = tmp_path / "imds"
        self.imds.mkdir()
        (self.imds / "instance-id").write_text("i-0abc\n")
        (self.imds / "placement_region").write_text("us-east-1\n")
        self.health_d = tmp_path / "health.d"
        self.health_d.mkdir()
        self.calls = tmp_path / "calls.log"
        self.calls.write_text("")
        self.tool("aws", FAKE_AWS)
        self.tool("curl", FAKE_CURL)
        self.tool(
            "nvidia-smi",
            f'#!/bin/bash\nif [ "$1" = -L ]; then cat {FIXTURES}/nvidia-smi-L-p5.txt; '
            'else printf "%b" "${FAKE_ECC:-0\\n0\\n}"; fi\n',
        )
        self.tool("neuron-ls", f"#!/bin/bash\ncat {FIXTURES}/neuron-ls-trn1.2xlarge.json\n")
        self.tool("fi_info", '#!/bin/bash\ncat "$FAKE_FI_INFO"\n')
        self.tool(
            "systemctl",
            '#!/bin/bash\necho "systemctl $*" >> "$FAKE_CALLS"\n[ "$1" != is-active ] || exit "${FAKE_FM_EXIT:-0}"\n',
        )
        self.tool("journalctl", '#!/bin/bash\ncat "${FAKE_KERNEL_LOG:-/dev/null}"\n')
        for name, template in SCRIPTS.items():
            path = tmp_path / f"ultrafleet-{name}"
            path.write_text(render(template, h=h))
            path.chmod(0o755)
        self.env = {
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "FAKE_CALLS": str(self.calls),
            "FAKE_IMDS": str(self.imds),
            "FAKE_FI_INFO": str(FIXTURES / "fi_info-libfabric1-p4d.txt"),
            "ULTRAFLEET_FI_INFO": str(self.bin / "fi_info"),
            "ULTRAFLEET_HEALTH_D": str(self.health_d),
            "ULTRAFLEET_STATE_DIR": str(tmp_path / "state"),
            "ULTRAFLEET_LIFECYCLE": str(tmp_path / "ultrafleet-lifecycle"),
        }

    def tool(self, name: str, body: str) -> None:
        (self.bin / name).write_text(body)
        (self.bin / name).chmod(0o755)

    def run(self, name: str, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.root / f"ultrafleet-{name}"), *args],
            capture_output=True,
            text=True,
            env=self.env | env,
            timeout=60,
        )

    def aws_calls(self) -> list[str]:
        return [line for line in self.calls.read_text().splitlines() if line.startswith("aws ")]


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_every_script_passes_shellcheck(tmp_path, name):
    paths = []
    for itype in ("p5.48xlarge", "trn2.48xlarge", "g6e.xlarge", "p4d.24xlarge"):
        path = tmp_path / f"{name}-{itype}"
        path.write_text(render(SCRIPTS[name], h=health_script(itype)))
        lines = path.read_text().splitlines()
        assert lines[0] == "#!/bin/bash" and "set -euo pipefail" in lines[:8], itype
        paths.append(str(path))
    result = subprocess.run([SHELLCHECK, "--severity=style", *paths], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("recording", "devices"),
    [("fi_info-libfabric1-p4d.txt", 4), ("fi_info-libfabric2-efa-direct.txt", 1)],
)
def test_gate_counts_distinct_efa_devices_on_old_and_new_libfabric(tmp_path, recording, devices):
    """libfabric 2.x lists one device three times (efa-direct RDM, efa RDM, efa DGRAM): counting 'provider: efa'
    lines would find 3 and fail every node."""
    node = Node(tmp_path, health_script("p4d.24xlarge", efa_devices=devices))
    result = node.run("gate", FAKE_FI_INFO=str(FIXTURES / recording))
    assert result.returncode == 0, result.stdout
    assert f"ultrafleet-health-gate: EFA devices: {devices} of {devices}" in result.stdout
    assert (FIXTURES / recording).read_text().count("provider: efa") == (4 if devices == 4 else 3)


def test_gate_passes_a_healthy_p5_and_logs_each_check(tmp_path):
    node = Node(tmp_path, health_script("p5.48xlarge", efa_devices=4))
    node.tool("dcgmi", "#!/bin/bash\necho 'Diagnostic | Result'\n")
    result = node.run("gate")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == [
        "ultrafleet-health-gate: GPUs: 8 of 8",
        "ultrafleet-health-gate: EFA devices: 4 of 4",
        "ultrafleet-health-gate: nvidia-fabricmanager is active",
        "ultrafleet-health-gate: DCGM diagnostic level 1 passed",
        "ultrafleet-health-gate: healthy",
    ]


def test_gate_fails_on_every_broken_part_and_names_each(tmp_path):
    node = Node(tmp_path, health_script("p5.48xlarge", gpus=8, efa_devices=32))
    node.tool("nvidia-smi", f"#!/bin/bash\nhead -n 7 {FIXTURES}/nvidia-smi-L-p5.txt\n")
    node.tool("dcgmi", "#!/bin/bash\necho '| Memory    | Fail - GPU 3 |'\nexit 226\n")
    result = node.run("gate", FAKE_FM_EXIT="3")
    assert result.returncode == 1
    out = result.stdout
    assert "FAIL: nvidia-smi -L lists 7 GPUs, expected 8" in out
    assert "FAIL: fi_info shows 4 EFA devices, expected 32" in out
    assert "FAIL: nvidia-fabricmanager is not active" in out
    assert "FAIL: DCGM diagnostic level 1: | Memory | Fail - GPU 3 |;" in out
    assert out.splitlines()[-1] == "ultrafleet-health-gate: 4 check(s) failed"


def test_gate_skips_fabric_manager_where_the_type_has_no_nvswitch_and_dcgm_when_absent(tmp_path):
    node = Node(tmp_path, health_script("g6e.xlarge", gpus=8))
    result = node.run("gate", FAKE_FM_EXIT="3")
    assert result.returncode == 0, result.stdout
    assert "fabricmanager" not in result.stdout
    assert "dcgmi is not installed: DCGM diagnostic skipped" in result.stdout


@pytest.mark.parametrize(("expected", "code"), [(1, 0), (16, 1)])
def test_gate_counts_neuron_devices_from_neuron_ls(tmp_path, expected, code):
    node = Node(tmp_path, health_script("trn2.48xlarge", neuron_devices=expected, efa_devices=4))
    result = node.run("gate")
    assert result.returncode == code, result.stdout
    line = "Neuron devices: 1 of 1" if code == 0 else "FAIL: neuron-ls lists 1 Neuron devices, expected 16"
    assert f"ultrafleet-health-gate: {line}" in result.stdout


def test_gate_runs_health_d_in_order_and_fails_on_a_nonzero_check(tmp_path):
    node = Node(tmp_path, health_script("g6e.xlarge", gpus=8))
    for name, body in (("50-imex-domain", "exit 4"), ("10-first", "exit 0"), ("README", "exit 9")):
        (node.health_d / name).write_text(f"#!/bin/bash\necho ran {name}\n{body}\n")
    for name in ("50-imex-domain", "10-first"):
        (node.health_d / name).chmod(0o755)
    result = node.run("gate")
    assert result.returncode == 1
    lines = [x for x in result.stdout.splitlines() if "ran " in x or "health.d" in x]
    assert lines == [
        "ran 10-first",
        "ultrafleet-health-gate: health.d/10-first passed",
        "ran 50-imex-domain",
        "ultrafleet-health-gate: FAIL: health.d/50-imex-domain exited 4",
    ]


@pytest.mark.parametrize(
    ("log", "fatal"),
    [
        ("kernel-xid79-fatal.log", "XID 79"),
        ("kernel-xid63-row-remap.log", "XID 63"),
        ("kernel-xid31-page-fault.log", None),
    ],
)
def test_check_grades_xids_by_severity(tmp_path, log, fatal):
    node = Node(tmp_path, health_script("p4d.24xlarge"))
    result = node.run("check", FAKE_KERNEL_LOG=str(FIXTURES / log))
    calls = node.aws_calls()
    if fatal:
        assert result.returncode == 1
        assert f"ultrafleet-health-check: unhealthy: {fatal}" in result.stdout
        assert (tmp_path / "state/unhealthy").read_text() == f"{fatal}\n"
        assert any("set-instance-health --instance-id i-0abc --health-status Unhealthy" in c for c in calls)
    else:
        assert result.returncode == 0, result.stdout + result.stderr
        assert "warning: XID 31 in the kernel log (not fatal" in result.stdout
        assert not any("set-instance-health" in c for c in calls)
        assert calls[-1].endswith("--metric-name UnhealthyNodes --value 0 --unit Count --dimensions Fleet=train")


def test_check_finds_uncorrectable_ecc_and_missing_efa_devices(tmp_path):
    node = Node(tmp_path, health_script("p4d.24xlarge", efa_devices=8))
    result = node.run("check", FAKE_ECC="0\\n2\\n[N/A]\\n")
    assert result.returncode == 1
    assert "unhealthy: 2 uncorrectable ECC errors;EFA devices gone: 4 of 8" in result.stdout


def test_check_grades_neuron_hardware_errors_on_trainium(tmp_path):
    node = Node(tmp_path, health_script("trn2.48xlarge", efa_devices=4))
    result = node.run("check", FAKE_KERNEL_LOG=str(FIXTURES / "kernel-neuron-hbm.log"))
    assert result.returncode == 1
    assert "unhealthy: Neuron HBM_UNCORRECTABLE_ERROR" in result.stdout
    assert "nvidia-smi" not in render("health_check.sh.j2", h=health_script("trn2.48xlarge"))


def test_circuit_breaker_in_alarm_stops_the_marking(tmp_path):
    node = Node(tmp_path, health_script("p4d.24xlarge"))
    result = node.run("lifecycle", "unhealthy", "XID 79", FAKE_BREAKER="ALARM")
    assert result.returncode == 1
    assert "circuit breaker demo-train-health-breaker is in ALARM" in result.stderr
    calls = node.aws_calls()
    assert (
        "aws --region us-east-1 cloudwatch describe-alarms --alarm-names demo-train-health-breaker "
        "--query MetricAlarms[0].StateValue --output text"
    ) in calls
    assert not any("set-instance-health" in c for c in calls)
    assert any("--metric-name UnhealthyNodes --value 1" in c for c in calls)


def test_without_self_repair_a_failure_only_reports_and_leaves_a_marker(tmp_path):
    node = Node(tmp_path, health_script("p4d.24xlarge", self_repair=False, launch_hook="", group_name=""))
    for args in (("failed-boot", "boot script failed (exit 1)"), ("unhealthy", "XID 79")):
        result = node.run("lifecycle", *args)
        assert result.returncode == 1
        assert (tmp_path / "state/unhealthy").read_text() == f"{args[1]}\n"
    assert [c for c in node.aws_calls() if " autoscaling " in c] == []
    assert node.run("lifecycle", "joined").returncode == 0
    assert not (tmp_path / "state/unhealthy").exists()


def test_boot_failure_marks_the_node_and_abandons_the_launch(tmp_path):
    node = Node(tmp_path, health_script("p4d.24xlarge"))
    assert node.run("lifecycle", "failed-boot", "health gate failed").returncode == 1
    asg = [c.split(" autoscaling ")[1] for c in node.aws_calls() if " autoscaling " in c]
    assert asg == [
        "set-instance-health --instance-id i-0abc --health-status Unhealthy --no-should-respect-grace-period",
        "complete-lifecycle-action --auto-scaling-group-name demo-train --lifecycle-hook-name ultrafleet-launch "
        "--instance-id i-0abc --lifecycle-action-result ABANDON",
    ]
    node.calls.write_text("")
    assert node.run("lifecycle", "joined").returncode == 0
    assert node.aws_calls()[-1].endswith(
        "--lifecycle-hook-name ultrafleet-launch --instance-id i-0abc --lifecycle-action-result CONTINUE"
    )


def test_a_generated_group_name_is_looked_up_from_the_instance(tmp_path):
    node = Node(tmp_path, health_script("p4d.24xlarge", group_name="", breaker_alarm=""))
    node.run("lifecycle", "joined")
    assert "--auto-scaling-group-name found-group" in node.aws_calls()[-1]


@pytest.mark.parametrize(("drain_seconds", "drain_exit"), [(0, 0), (1.5, 3)])
def test_termination_watch_drains_with_heartbeats_then_completes(tmp_path, drain_seconds, drain_exit):
    node = Node(tmp_path, health_script("p5.48xlarge"))
    (node.imds / "autoscaling_target-lifecycle-state").write_text("InService\nTerminated\n")
    drain = tmp_path / "drain"
    drain.write_text(f"#!/bin/bash\nsleep {drain_seconds}\necho drained >> {node.calls}\nexit {drain_exit}\n")
    drain.chmod(0o755)
    result = node.run(
        "watch", ULTRAFLEET_DRAIN=str(drain), ULTRAFLEET_POLL_SECONDS="0.2", ULTRAFLEET_HEARTBEAT_EVERY="1"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = node.calls.read_text().splitlines()
    drained = lines.index("drained")
    assert "systemctl stop ultrafleet-drain.timer" in lines[:drained]
    beats = [x for x in lines[:drained] if "record-lifecycle-action-heartbeat" in x and "ultrafleet-terminate" in x]
    assert bool(beats) is (drain_seconds > 1)  # a long drain keeps the hook alive
    assert ("--metric-name DrainIncomplete --value 1" in "\n".join(lines)) is (drain_exit != 0)
    assert lines[-1].endswith(
        "--lifecycle-hook-name ultrafleet-terminate --instance-id i-0abc --lifecycle-action-result CONTINUE"
    )


def boot_script(h: NodeHealthScript, hook: str = 'log "hook ran"') -> str:
    boot, join = h.boot_sections()
    from ultrafleet.constructs.accelerated_fleet import UserDataHook

    return render(
        "node_init.sh.j2",
        fleet_name="train",
        instance_type=h.instance_type,
        efa_interfaces=h.efa_devices,
        neuron=False,
        hooks=[UserDataHook(name="demo", script=hook)],
        health_boot=boot,
        health_join=join,
    )


def test_boot_script_with_node_health_passes_shellcheck(tmp_path):
    path = tmp_path / "init.sh"
    path.write_text(boot_script(health_script("p5.48xlarge")))
    result = subprocess.run([SHELLCHECK, "--severity=style", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(("hook", "joined"), [('log "hook ran"', True), ("false", False)])
def test_the_node_joins_only_after_the_whole_boot_and_the_gate_pass(tmp_path, hook, joined):
    h = health_script("p4d.24xlarge", efa_devices=4)
    node = Node(tmp_path, h)
    script = tmp_path / "init.sh"
    script.write_text(boot_script(h, hook))
    (tmp_path / "sysroot").mkdir()
    (tmp_path / "profile.d").mkdir()
    env = node.env | {
        "ULTRAFLEET_ROOT": str(tmp_path / "sysroot"),
        "ULTRAFLEET_LOG": str(tmp_path / "init.log"),
        "ULTRAFLEET_PROFILE_DIR": str(tmp_path / "profile.d"),
    }
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env, timeout=60)
    results = [c.rsplit("--lifecycle-action-result ", 1)[1] for c in node.aws_calls() if "complete-lifecycle" in c]
    installed = sorted(p.name for p in (tmp_path / "sysroot/usr/local/sbin").iterdir())
    assert installed == [
        "ultrafleet-health-check",
        "ultrafleet-health-gate",
        "ultrafleet-lifecycle",
        "ultrafleet-termination-watch",
    ]
    if joined:
        assert result.returncode == 0, result.stdout + result.stderr
        assert results == ["CONTINUE"]
        assert "systemctl enable --now ultrafleet-health-check.timer ultrafleet-termination-watch.service" in (
            node.calls.read_text()
        )
        assert result.stdout.index("healthy") < result.stdout.index("the node joins its group")
    else:
        assert result.returncode == 1
        assert results == ["ABANDON"]
        assert (tmp_path / "state/unhealthy").read_text() == "boot script failed (exit 1)\n"


def test_a_boot_script_over_16_kb_ships_compressed_and_runs_with_its_values(tmp_path):
    from ultrafleet.constructs.boot_script import WRAPPER_HEAD, fit, unpack
    from ultrafleet.constructs.user_data import PLACEHOLDER

    small = "#!/bin/bash\nset -euo pipefail\necho small @@BUCKET@@\n"
    assert fit(small) == small
    script = small.replace("small", "value=") + "".join(f"# filler line {i}: {'x' * 60}\n" for i in range(300))
    wrapper = fit(script)
    assert wrapper.startswith(WRAPPER_HEAD) and len(wrapper) < 2000 < 16 * 1024 < len(script)
    assert PLACEHOLDER.findall(wrapper) == ["BUCKET"]  # user_data.fill joins the value in here, once
    assert unpack(wrapper) == script
    path = tmp_path / "user-data"
    path.write_text(wrapper.replace("@@BUCKET@@", "my-bucket"))
    lint = subprocess.run([SHELLCHECK, "--severity=style", str(path)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout
    env = {"PATH": "/usr/bin:/bin", "ULTRAFLEET_UNPACK_TO": str(tmp_path / "lib/node-init.sh")}
    result = subprocess.run(["bash", str(path)], capture_output=True, text=True, env=env, timeout=30)
    assert (result.returncode, result.stdout) == (0, "value= my-bucket\n")
    assert (tmp_path / "lib/node-init.sh").read_text() == script.replace("@@BUCKET@@", "my-bucket")


def test_the_shipped_xz_is_as_small_as_preset_9e_and_xz_unpacks_it():
    """ultrafleet.constructs.xz trades preset 9e (64 MiB dictionary) for xz's default preset with 1 MiB: on script
    text of a boot script's size (node_init's template, four times over) the stream is no larger, the xz binary
    nodes run reads it, and the base64 heredoc has GNU base64's 76-column lines."""
    import base64
    import lzma

    from ultrafleet.constructs import xz

    script = (Path(__file__).parent.parent / "ultrafleet/templates/node_init.sh.j2").read_bytes() * 4
    shipped = xz.compress(script)
    assert len(shipped) <= len(lzma.compress(script, format=lzma.FORMAT_XZ, preset=9 | lzma.PRESET_EXTREME))
    unpacked = subprocess.run(["xz", "-dc"], input=shipped, capture_output=True, check=True)
    assert unpacked.stdout == script
    lines = xz.base64_lines(script).split("\n")
    assert {len(line) for line in lines[:-1]} == {76} and 0 < len(lines[-1]) <= 76
    assert base64.b64decode("".join(lines)) == shipped
