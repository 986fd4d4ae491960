"""The checkpoint drain with a real AWS CLI against a fake S3 (moto server on localhost).

The nodes run AWS CLI v2 with the CRT transfer client; v2 is not on PyPI, so this runs the machine's AWS CLI v1
(the same `aws s3 sync` commands and exit codes; v1 ignores the CRT settings in the drain's config file).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ultrafleet.templates import render
from ultrafleet.testing.harness import MotoServer

BUCKET = "ckpt-bucket"


def real_aws_cli() -> str:
    venv = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != venv)
    found = shutil.which("aws", path=path)
    if found is None:
        pytest.fail("these tests need the AWS CLI (`aws`) on PATH, as the python machine image ships it")
    if "/shims/" in found:  # pyenv's shim: run the CLI itself, without the shim's seconds of start-up
        found = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True, check=True).stdout.strip()
    return found


@pytest.fixture
def s3():
    with MotoServer(seed=False) as cloud:
        cloud.client("s3").create_bucket(Bucket=BUCKET)
        yield cloud


def checkpoint(root: Path, name: str) -> Path:
    d = root / "checkpoints" / name
    d.mkdir(parents=True)
    (d / "model.safetensors").write_bytes(os.urandom(3 * 1024 * 1024))
    (d / "optim.pt").write_text(f"optimizer of {name}")
    (d / ".complete").touch()
    return d


def drain(tmp_path: Path, cloud: MotoServer, host: str) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / f"bin-{host}"
    bin_dir.mkdir()
    (bin_dir / "hostname").write_text(f"#!/bin/bash\necho {host}\n")
    # S3 calls go to the real CLI; CloudWatch metrics are only recorded (each CLI start costs seconds here)
    (bin_dir / "aws").write_text(
        f'#!/bin/bash\nif [ "$1" = cloudwatch ]; then echo "$*" >> {tmp_path}/metrics.log; exit 0; fi\n'
        f'exec {real_aws_cli()} "$@"\n'
    )
    for tool in ("hostname", "aws"):
        (bin_dir / tool).chmod(0o755)
    script = tmp_path / "drain.sh"
    script.write_text(
        render("checkpoint_drain.sh.j2", mount_path="/x", keep=2, target="s3", target_gbps=200, part_mib=64)
    )
    env = cloud.env | {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ULTRAFLEET_NVME_MOUNT": str(tmp_path / host),
        "ULTRAFLEET_BUCKET": BUCKET,
        "ULTRAFLEET_FLEET": "train",
        "ULTRAFLEET_INSTANCE_TYPE": "p6-b200.48xlarge",
    }
    return subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env, timeout=120)


def keys(cloud: MotoServer, prefix: str) -> list[str]:
    listing = cloud.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def test_verified_checkpoints_are_marked_and_a_partial_upload_stays_local(tmp_path, s3):
    good = checkpoint(tmp_path / "node-1", "step-0100")
    partial = checkpoint(tmp_path / "node-1", "step-0200")
    os.mkfifo(partial / "shard-7.pt")  # a file `aws s3 sync` cannot read: the rest uploads, the sync fails
    result = drain(tmp_path, s3, "node-1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert (good / ".uploaded").exists()
    assert "ultrafleet-drain: verified step-0100 (" in result.stdout
    assert "ultrafleet-drain: error: copying step-0200 failed; it stays local" in result.stdout
    assert not (partial / ".uploaded").exists() and (partial / "model.safetensors").exists()
    # under the node's own prefix, without the markers
    assert keys(s3, "checkpoints/train/node-1/step-0100/") == [
        "checkpoints/train/node-1/step-0100/model.safetensors",
        "checkpoints/train/node-1/step-0100/optim.pt",
    ]
    body = s3.client("s3").get_object(Bucket=BUCKET, Key="checkpoints/train/node-1/step-0100/model.safetensors")
    assert body["Body"].read() == (good / "model.safetensors").read_bytes()
    assert "checkpoints/train/node-1/step-0200/shard-7.pt" not in keys(s3, "checkpoints/train/node-1/step-0200/")
    (upload,) = [m for m in (tmp_path / "metrics.log").read_text().splitlines() if "CheckpointUploadGBps" in m]
    assert "--dimensions Fleet=train,InstanceType=p6-b200.48xlarge" in upload
