"""The ultrafleet CLI as a user runs it: exit codes, output, and nothing written on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import yaml
from typer.testing import CliRunner

from conftest import spec_dict
from ultrafleet.cli.commands import app

runner = CliRunner()


def write(tmp_path, data, name="spec.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def test_validate_reference_spec(root):
    result = runner.invoke(app, ["validate", str(root / "specs/reference.yaml")])
    assert (result.exit_code, result.stdout.strip()) == (
        0,
        f"{root}/specs/reference.yaml: valid (4 fleets, 1 warnings; environments dev, prod valid)",
    )
    warning = (
        "warning UF-STO-008 storage.lustre: Lustre is placed in us-east-1a; training fleets gb200-nvl72 "
        "(us-east-1-dfw-2a), trn2-finetune (us-east-1b) reach it across zones"
    )
    assert warning in result.stderr.splitlines()[0]


def test_validate_bad_spec_exits_2_listing_every_error(tmp_path):
    path = write(
        tmp_path,
        spec_dict(
            fleets=[
                {
                    "name": "train",
                    "role": "training",
                    "instance_type": "p5.48xlarg",
                    "count": 2,
                    "capacity": {"type": "spot"},
                }
            ]
        ),
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert (
        "UF-TYPE-001 fleets[0].instance_type: 'p5.48xlarg' is not a known instance type; did you mean "
        "'p5.48xlarge'?" in result.stderr
    )
    assert result.stderr.strip().endswith("invalid spec (1 errors)")


def test_validate_prints_warnings_and_succeeds(tmp_path):
    path = write(
        tmp_path,
        spec_dict(
            fleets=[{"name": "train", "role": "training", "instance_type": "p5.48xlarge", "count": 2, "efa": False}]
        ),
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    assert "warning UF-EFA-002 fleets[0].efa" in result.stderr
    assert "valid (1 fleets, 1 warnings)" in result.stdout


def test_missing_file_and_bad_yaml_exit_2(tmp_path):
    missing = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    (tmp_path / "bad.yaml").write_text("name: [unclosed\n")
    bad = runner.invoke(app, ["validate", str(tmp_path / "bad.yaml")])
    assert (missing.exit_code, bad.exit_code) == (2, 2)
    assert "cannot be read: No such file or directory" in missing.stderr
    assert "is not valid YAML at line" in bad.stderr


def test_plan_table_shows_efa_layout_and_capacity(root):
    result = runner.invoke(app, ["plan", str(root / "specs/reference.yaml")])
    assert result.exit_code == 0
    assert "pretrain-b200 interfaces: card 0 d0 interface; card 0 d1 efa-only; cards 1-7 d0 efa-only" in result.stdout
    assert "gb200-nvl72 interfaces: card 0 d0 interface; cards 1-16 d0 efa-only" in result.stdout
    assert "private subnets /24" in result.stdout


def test_plan_json_carries_the_figures(root):
    result = runner.invoke(app, ["plan", str(root / "specs/reference.yaml"), "--json"])
    data = json.loads(result.stdout)
    b200 = data["fleets"][0]
    assert (b200["instances"], b200["accelerators"], b200["efa_interfaces"], b200["efa_bandwidth_gbps"]) == (
        32,
        256,
        8,
        3200.0,
    )
    assert b200["capacity"] == {"type": "capacity-block", "reservation_id": "cr-0a1b2c3d4e5f60718"}
    assert data["fleets"][1]["ultraserver_type"] == "u-p6e-gb200x72"
    assert data["network"]["ip_addresses_needed_per_az"] == {"us-east-1a": 34, "us-east-1b": 10, "us-east-1-dfw-2a": 18}


def test_schema_validates_shipped_specs_and_rejects_typos(root, tmp_path):
    out = tmp_path / "schema.json"
    assert runner.invoke(app, ["schema", "--output", str(out)]).exit_code == 0
    schema = json.loads(out.read_text())
    for spec in (root / "specs").glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(spec.read_text()), schema)
    typo = spec_dict(fleet=[])
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(typo))
    assert any("'fleet' was unexpected" in e.message for e in errors)


def test_synth_with_invalid_spec_exits_2_and_writes_nothing(tmp_path):
    path = write(tmp_path, spec_dict(region="mars"))
    out = tmp_path / "cdk.out"
    result = runner.invoke(app, ["synth", str(path), "--output", str(out)])
    assert result.exit_code == 2
    assert "UF-SPEC-001 region: 'mars'" in result.stderr
    assert not out.exists()


def test_validate_and_plan_import_no_cdk(root):
    code = (
        "import sys, ultrafleet.cli.commands, ultrafleet.cli.plan_report, ultrafleet.planning.fleets; "
        "print(any(m.startswith(('aws_cdk', 'jsii')) for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_installed_entry_point_exit_code(root, tmp_path):
    path = write(tmp_path, spec_dict(fleets=[]))
    exe = root / ".venv/bin/ultrafleet"
    result = subprocess.run([str(exe), "validate", str(path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "fleets: []: List should have at least 1 item after validation, not 0" in result.stderr


def test_plan_interfaces_lists_every_card_of_every_fleet(root):
    result = runner.invoke(app, ["plan", str(root / "specs/starter.yaml"), "--interfaces"])
    assert result.exit_code == 0
    assert "p5-dev: p5.48xlarge interfaces (EFA 3200 of 3200 Gbps; ENA 100 Gbps)" in result.stdout
    rows = [line for line in result.stdout.splitlines() if "efa-only" in line and "│" in line]
    assert len(rows) == 32


def test_plan_json_carries_checkpoint_tiers(root):
    data = json.loads(runner.invoke(app, ["plan", str(root / "specs/reference.yaml"), "--json"]).stdout)
    ckpt = data["fleets"][0]["checkpoint"]
    assert ckpt["checkpoint_size_gb"] == 14000
    assert sorted(ckpt["tiers"]) == ["lustre", "nvme", "s3"]
    assert ckpt["tiers"]["lustre"]["bandwidth_gb_s"] == 23.4375
    assert round(ckpt["tiers"]["lustre"]["write_seconds"], 2) == 597.33
    assert (ckpt["first_tier"], ckpt["meets_target"]) == ("nvme", None)
    assert ckpt["tiers"]["lustre"]["binding_limit"] == "Lustre file system write"
    assert (ckpt["tiers"]["s3"]["bandwidth_gb_s"], ckpt["tiers"]["s3"]["binding_limit"]) == (800, "client upload")
    # the reference spec's NVMe write speed is not measured: neither the GPUs' wait nor the time to durable is known
    assert (ckpt["gpu_wait_seconds"], ckpt["durable_seconds"]) == (None, None)
    assert data["fleets"][3]["checkpoint"] is None  # the inference fleet


def test_plan_table_explains_each_tier(root):
    out = runner.invoke(app, ["plan", str(root / "specs/reference.yaml")]).stdout
    assert "48,000 GiB (46.9 TiB) x 500 MB/s/TiB = 23.4 GB/s" in out
    assert (
        "pretrain-b200: 1000B parameters x (2 weight + 12 optimizer) bytes = 14,000 GB; first tier nvme unknown "
        "cannot check the 300 s target"
    ) in out
