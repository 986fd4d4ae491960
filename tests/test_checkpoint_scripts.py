"""The checkpoint tier's boot scripts, run for real against fake devices, fake AWS CLI and temp directories."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ultrafleet.templates import render

SHELLCHECK = str(Path(sys.executable).parent / "shellcheck")
EBS = "Amazon Elastic Block Store"
NVME = "Amazon EC2 NVMe Instance Storage"

FAKE_LOGGER = '#!/bin/bash\necho "$(basename "$0") $*" >> "$FAKE_CALLS"\n'
FAKE_AWS = r'''#!/usr/bin/env python3
"""aws s3 sync SRC s3://BUCKET/KEY [--dryrun] [--exclude X]...: a local directory stands in for S3."""
import filecmp, os, shutil, sys
args = sys.argv[1:]
if args[:2] == ["cloudwatch", "put-metric-data"]:
    with open(os.environ["FAKE_METRICS"], "a") as out:
        out.write(" ".join(args[2:]) + "\n")
    sys.exit(0)
assert args[:2] == ["s3", "sync"], args
src, dst = args[2], args[3]
if src.startswith("s3://"):  # a bucket-to-bucket copy (the express tier's onward copy)
    src = os.path.join(os.environ["FAKE_S3"], src.removeprefix("s3://"))
dry = "--dryrun" in args
excluded = {args[i + 1] for i, a in enumerate(args) if a == "--exclude"}
root = os.path.join(os.environ["FAKE_S3"], dst.removeprefix("s3://"))
drop = os.environ.get("FAKE_AWS_DROP", "")
if not args[2].startswith(os.environ.get("FAKE_AWS_DROP_FROM", "")):
    drop = ""
for name in sorted(os.listdir(src)):
    if name in excluded:
        continue
    target = os.path.join(root, name)
    if dry:
        if not (os.path.exists(target) and filecmp.cmp(os.path.join(src, name), target, shallow=False)):
            print(f"(dryrun) upload: {os.path.join(src, name)} to {dst}/{name}")
    elif name != drop:
        os.makedirs(root, exist_ok=True)
        shutil.copy2(os.path.join(src, name), target)
'''


def fakebin(tmp_path: Path, lsblk: str = "", mounted: bool = False, fs_type: str = "") -> tuple[Path, dict]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("mdadm", "mkfs.xfs", "mount"):
        (bin_dir / name).write_text(FAKE_LOGGER)
    (bin_dir / "lsblk").write_text(f"#!/bin/bash\nprintf '%b' '{lsblk}'\n")
    (bin_dir / "mountpoint").write_text(f"#!/bin/bash\nexit {0 if mounted else 1}\n")
    (bin_dir / "blkid").write_text(f"#!/bin/bash\necho '{fs_type}'\n")
    (bin_dir / "hostname").write_text("#!/bin/bash\necho node-1\n")
    (bin_dir / "aws").write_text(FAKE_AWS)
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "FAKE_CALLS": str(tmp_path / "calls.log")}
    return bin_dir, env


def run_nvme(tmp_path: Path, lsblk: str, mounted=False, fs_type="", md_exists=False):
    _, env = fakebin(tmp_path, lsblk=lsblk, mounted=mounted, fs_type=fs_type)
    md = tmp_path / "md-ultrafleet-nvme"
    if md_exists:
        md.touch()
    env |= {"ULTRAFLEET_NVME_MOUNT": str(tmp_path / "nvme"), "ULTRAFLEET_MD_DEVICE": str(md)}
    script = tmp_path / "nvme.sh"
    script.write_text(render("nvme_setup.sh.j2", mount_path="/opt/dlami/nvme"))
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env)
    calls = (tmp_path / "calls.log").read_text().splitlines() if (tmp_path / "calls.log").exists() else []
    return result, calls, md


def listing(*rows: tuple[str, str]) -> str:
    return "".join(f"{name} {model}\\n" for name, model in rows)


def test_several_nvme_devices_are_striped_formatted_and_mounted_and_the_root_disk_is_left_alone(tmp_path):
    rows = [("nvme0n1", EBS), ("nvme1n1", NVME), ("nvme2n1", NVME), ("nvme3n1", NVME)]
    result, calls, md = run_nvme(tmp_path, listing(*rows))
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls == [
        f"mdadm --create {md} --level=0 --raid-devices=3 --name=ultrafleet-nvme --force --run "
        "/dev/nvme1n1 /dev/nvme2n1 /dev/nvme3n1",
        f"mkfs.xfs -f -K {md}",
        f"mount -o noatime {md} {tmp_path}/nvme",
    ]
    assert "ultrafleet-nvme: instance-store devices: /dev/nvme1n1 /dev/nvme2n1 /dev/nvme3n1" in result.stdout


def test_a_single_device_is_used_directly(tmp_path):
    result, calls, _ = run_nvme(tmp_path, listing(("nvme0n1", EBS), ("nvme1n1", NVME)))
    assert result.returncode == 0
    assert calls == ["mkfs.xfs -f -K /dev/nvme1n1", f"mount -o noatime /dev/nvme1n1 {tmp_path}/nvme"]


def test_no_instance_store_fails_with_a_clear_message(tmp_path):
    result, calls, _ = run_nvme(tmp_path, listing(("nvme0n1", EBS)))
    assert (result.returncode, calls) == (1, [])
    assert (
        "ultrafleet-nvme: error: no instance-store NVMe device (model 'Amazon EC2 NVMe Instance Storage') on "
        "this instance"
    ) in result.stdout


def test_already_mounted_is_left_as_it_is(tmp_path):
    result, calls, _ = run_nvme(tmp_path, listing(("nvme1n1", NVME), ("nvme2n1", NVME)), mounted=True)
    assert (result.returncode, calls) == (0, [])
    assert "is already mounted; nothing to do" in result.stdout


def test_after_a_reboot_the_existing_array_is_mounted_without_reformatting(tmp_path):
    result, calls, md = run_nvme(tmp_path, listing(("nvme1n1", NVME), ("nvme2n1", NVME)), fs_type="xfs", md_exists=True)
    assert result.returncode == 0
    assert calls == [f"mount -o noatime {md} {tmp_path}/nvme"]
    assert "array" in result.stdout and "already holds an xfs file system; keeping it" in result.stdout


def test_after_stop_start_the_empty_store_is_recreated(tmp_path):
    # The instance store comes back empty: no array, no file system. Re-create, do not fail.
    result, calls, _ = run_nvme(tmp_path, listing(("nvme1n1", NVME), ("nvme2n1", NVME)))
    assert result.returncode == 0
    assert [c.split(" ")[0] for c in calls] == ["mdadm", "mkfs.xfs", "mount"]


def make_checkpoint(root: Path, name: str, complete: bool = True) -> None:
    d = root / "checkpoints" / name
    d.mkdir(parents=True)
    (d / "model.safetensors").write_text(f"weights of {name}")
    (d / "optim.pt").write_text(f"optimizer of {name}")
    if complete:
        (d / ".complete").touch()


DRAIN = {"mount_path": "/opt/dlami/nvme", "target_gbps": 200, "part_mib": 64}


def run_drain(
    tmp_path: Path,
    target: str = "s3",
    keep: int = 2,
    drop: str = "",
    s3_root: Path | None = None,
    drop_only_from: str = "",
):
    bin_dir, env = fakebin(tmp_path)
    (bin_dir / "hostname").write_text(f"#!/bin/bash\necho {tmp_path.name if s3_root else 'node-1'}\n")
    nvme = tmp_path / "nvme"
    env |= {
        "ULTRAFLEET_NVME_MOUNT": str(nvme),
        "ULTRAFLEET_BUCKET": "ckpt-bucket",
        "ULTRAFLEET_EXPRESS_BUCKET": "fast--use1-az6--x-s3",
        "ULTRAFLEET_FLEET": "train",
        "ULTRAFLEET_LUSTRE_MOUNT": str(tmp_path / "fsx"),
        "FAKE_S3": str(s3_root or tmp_path / "s3"),
        "FAKE_METRICS": str(tmp_path / "metrics.log"),
        "FAKE_AWS_DROP": drop,
        "FAKE_AWS_DROP_FROM": drop_only_from,
    }
    script = tmp_path / "drain.sh"
    script.write_text(render("checkpoint_drain.sh.j2", **DRAIN, keep=keep, target=target))
    return subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env, cwd=tmp_path), nvme


def test_drain_uploads_verifies_and_prunes_beyond_the_newest_two(tmp_path):
    nvme = tmp_path / "nvme"
    for step in ("step-0100", "step-0200", "step-0300"):
        make_checkpoint(nvme, step)
    result, _ = run_drain(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    s3 = tmp_path / "s3/ckpt-bucket/checkpoints/train/node-1"
    assert sorted(os.listdir(s3)) == ["step-0100", "step-0200", "step-0300"]
    assert sorted(os.listdir(s3 / "step-0300")) == ["model.safetensors", "optim.pt"]
    assert sorted(os.listdir(nvme / "checkpoints")) == ["step-0200", "step-0300"]
    assert (nvme / "checkpoints/step-0300/.uploaded").exists()
    assert "ultrafleet-drain: pruned local step-0100 (verified copy exists)" in result.stdout
    (pending,) = [m for m in (tmp_path / "metrics.log").read_text().splitlines() if "PendingCheckpoints" in m]
    assert pending.split("--value ")[1].split()[0] == "0"
    uploads = [m for m in (tmp_path / "metrics.log").read_text().splitlines() if "CheckpointUploadGBps" in m]
    assert len(uploads) == 3 and "--dimensions Fleet=train,InstanceType=unknown" in uploads[0]
    assert re.fullmatch(r"[0-9]+\.[0-9]{3}", uploads[0].split("--value ")[1].split()[0])  # a rate, however small
    assert re.search(r"ultrafleet-drain: verified step-0300 \([0-9]+\.[0-9]{3} GB/s\)", result.stdout)
    assert sorted(os.listdir(tmp_path)) == ["bin", "drain.sh", "metrics.log", "nvme", "s3"]  # nothing stray


def test_each_node_drains_under_its_own_prefix(tmp_path):
    for host in ("node-1", "node-2"):
        make_checkpoint(tmp_path / host / "nvme", "step-0100")
        result, _ = run_drain(tmp_path / host, s3_root=tmp_path / "s3")
        assert result.returncode == 0, result.stdout
    assert sorted(os.listdir(tmp_path / "s3/ckpt-bucket/checkpoints/train")) == ["node-1", "node-2"]


def test_drain_leaves_unfinished_checkpoints_alone(tmp_path):
    make_checkpoint(tmp_path / "nvme", "step-0100", complete=False)
    result, nvme = run_drain(tmp_path)
    assert result.returncode == 0
    assert "skip step-0100: not marked .complete yet" in result.stdout
    assert not (tmp_path / "s3").exists()
    assert not (nvme / "checkpoints/step-0100/.uploaded").exists()


def test_a_failed_upload_is_never_deleted(tmp_path):
    nvme = tmp_path / "nvme"
    for step in ("step-0100", "step-0200", "step-0300"):
        make_checkpoint(nvme, step)
    result, _ = run_drain(tmp_path, drop="optim.pt")
    assert result.returncode == 1
    assert sorted(os.listdir(nvme / "checkpoints")) == ["step-0100", "step-0200", "step-0300"]
    assert not any((nvme / "checkpoints" / s / ".uploaded").exists() for s in ("step-0100", "step-0200"))
    assert "error: step-0100 is not fully copied" in result.stdout
    assert "keeping step-0100: no verified copy yet" in result.stdout
    assert (tmp_path / "metrics.log").read_text().splitlines() == [
        "--namespace ultrafleet --metric-name PendingCheckpoints --dimensions Fleet=train --value 3 --unit Count"
    ]


def test_drain_to_express_marks_durable_then_archives_in_the_regional_bucket(tmp_path):
    nvme = tmp_path / "nvme"
    for step in ("step-0100", "step-0200"):
        make_checkpoint(nvme, step)
    result, _ = run_drain(tmp_path, target="express", keep=1)
    assert result.returncode == 0, result.stdout + result.stderr
    express = tmp_path / "s3/fast--use1-az6--x-s3/checkpoints/train/node-1/step-0200"
    regional = tmp_path / "s3/ckpt-bucket/checkpoints/train/node-1/step-0200"
    assert sorted(os.listdir(express)) == sorted(os.listdir(regional)) == ["model.safetensors", "optim.pt"]
    assert (nvme / "checkpoints/step-0200/.uploaded").exists() and (nvme / "checkpoints/step-0200/.archived").exists()
    assert "ultrafleet-drain: archived step-0100 in the regional bucket" in result.stdout
    assert sorted(os.listdir(nvme / "checkpoints")) == ["step-0200"]  # step-0100 pruned once archived


def test_drain_to_express_keeps_a_checkpoint_whose_onward_copy_failed(tmp_path):
    make_checkpoint(tmp_path / "nvme", "step-0100")
    make_checkpoint(tmp_path / "nvme", "step-0200")
    result, nvme = run_drain(tmp_path, target="express", keep=1, drop="optim.pt", drop_only_from="s3://")
    assert result.returncode == 1
    assert (nvme / "checkpoints/step-0100/.uploaded").exists()
    assert not (nvme / "checkpoints/step-0100/.archived").exists()
    assert "error: copying step-0100 to the regional bucket failed; retried on the next run" in result.stdout
    assert "keeping step-0100: no verified copy yet" in result.stdout


def test_drain_to_lustre_copies_and_verifies(tmp_path):
    nvme = tmp_path / "nvme"
    make_checkpoint(nvme, "step-0100")
    result, _ = run_drain(tmp_path, target="lustre", keep=1)
    assert result.returncode == 0, result.stdout + result.stderr
    copy = tmp_path / "fsx/checkpoints/train/node-1/step-0100"
    assert (copy / "optim.pt").read_text() == "optimizer of step-0100"
    assert (nvme / "checkpoints/step-0100/.uploaded").exists()


def test_drain_without_checkpoints_is_a_no_op(tmp_path):
    result, _ = run_drain(tmp_path)
    assert (result.returncode, result.stdout.strip()) == (
        0,
        f"ultrafleet-drain: no {tmp_path}/nvme/checkpoints yet; nothing to drain",
    )


@pytest.mark.parametrize("template", ["nvme_setup.sh.j2", "checkpoint_drain.sh.j2"])
@pytest.mark.parametrize("target", ["s3", "lustre", "express"])
def test_standalone_scripts_pass_shellcheck(tmp_path, template, target):
    script = tmp_path / "s.sh"
    script.write_text(render(template, **DRAIN, keep=2, target=target))
    result = subprocess.run([SHELLCHECK, "--severity=style", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("nvme", "lustre", "target"),
    [(True, True, "lustre"), (True, False, "s3"), (True, False, "express"), (False, True, "s3"), (False, False, "s3")],
)
def test_node_script_with_the_checkpoint_hook_passes_shellcheck(tmp_path, nvme, lustre, target):
    from ultrafleet.constructs.accelerated_fleet import UserDataHook
    from ultrafleet.constructs.user_data import PLACEHOLDER
    from ultrafleet.spec.models import Lustre, NvmeCache

    nvme_spec = NvmeCache(drain_target=target) if nvme else None
    hook = render(
        "checkpoint_tier.sh.j2",
        fleet_name="train",
        lustre=Lustre() if lustre else None,
        nvme=nvme_spec,
        **DRAIN,
        keep=2,
        target=target,
        instance_type="p5.48xlarge",
        express=target == "express",
    )
    script = render(
        "node_init.sh.j2",
        fleet_name="train",
        instance_type="p5.48xlarge",
        efa_interfaces=32,
        neuron=False,
        hooks=[UserDataHook(name="checkpoint-tier", script=hook)],
    )
    script = PLACEHOLDER.sub("deploy-time-value", script)  # what Fn.join puts there at deploy time
    path = tmp_path / "node.sh"
    path.write_text(script)
    result = subprocess.run([SHELLCHECK, "--severity=style", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert ("ultrafleet-drain.timer" in script) is nvme
    assert ("mount -t lustre" in script) is lustre


FIO_OUTPUT = Path(__file__).parent / "fixtures/fio_write_3.33.json"
"""Real fio 3.33 JSON output (--output-format=json --group_reporting), recorded on a development machine."""


def run_write_test(tmp_path: Path, aws_exit: int = 0):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "fio").write_text(f'#!/bin/bash\necho "fio $*" >> "$FAKE_CALLS"\ncat {FIO_OUTPUT}\n')
    (bin_dir / "aws").write_text(f'#!/bin/bash\necho "aws $*" >> "$FAKE_CALLS"\nexit {aws_exit}\n')
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "FAKE_CALLS": str(tmp_path / "calls.log"),
        "ULTRAFLEET_NVME_MOUNT": str(tmp_path / "nvme"),
        "ULTRAFLEET_STATE_DIR": str(tmp_path / "state"),
        "ULTRAFLEET_FLEET": "train",
        "ULTRAFLEET_INSTANCE_TYPE": "p6-b200.48xlarge",
    }
    script = tmp_path / "write-test.sh"
    script.write_text(render("nvme_write_test.sh.j2", mount_path="/opt/dlami/nvme"))
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env)
    calls = (tmp_path / "calls.log").read_text().splitlines() if (tmp_path / "calls.log").exists() else []
    return result, calls


def test_first_boot_write_test_publishes_the_measured_speed_once(tmp_path):
    result, calls = run_write_test(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # bw_bytes 1,615,289,936 in the recorded output
    assert calls[1] == (
        "aws cloudwatch put-metric-data --namespace ultrafleet --metric-name NvmeWriteGBps --dimensions "
        "Fleet=train,InstanceType=p6-b200.48xlarge --value 1.615 --unit None"
    )
    assert calls[0].startswith(f"fio --name=ultrafleet-nvme-write --directory={tmp_path}/nvme/.ultrafleet-fio ")
    assert "--rw=write --bs=1M --ioengine=libaio --direct=1" in calls[0]
    assert not (tmp_path / "nvme/.ultrafleet-fio").exists()  # the test files are removed
    again, calls = run_write_test(tmp_path)
    assert (again.returncode, len(calls)) == (0, 2)
    assert "measured at first boot: 1.615 GB/s; nothing to do" in again.stdout


def test_write_test_that_cannot_publish_fails_and_runs_again_next_boot(tmp_path):
    result, _ = run_write_test(tmp_path, aws_exit=255)
    assert result.returncode == 255
    assert not (tmp_path / "state/nvme-write-gb-s").exists()


def test_write_test_passes_shellcheck(tmp_path):
    script = tmp_path / "s.sh"
    script.write_text(render("nvme_write_test.sh.j2", mount_path="/opt/dlami/nvme"))
    result = subprocess.run([SHELLCHECK, "--severity=style", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
