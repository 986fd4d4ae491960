"""Pinned AMIs offline: the lock file synth reads, the diff warning when a deploy would move a fleet's AMI, and the
lock files that do not fit (`ultrafleet lock` itself runs against moto in test_landing_zone_live.py)."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
import yaml
from typer.testing import CliRunner

from conftest import ROOT, spec_dict
from ultrafleet.cli.commands import app
from ultrafleet.planning.ami import GPU_BASE
from ultrafleet.planning.ami_lock import AmiLock, PinnedAmi, ami_changes, image_ids, locked
from ultrafleet.spec import parse_spec
from ultrafleet.stacks import create_stacks

runner = CliRunner()
PARAMETER = GPU_BASE.format(arch="x86_64")
SPEC = spec_dict(name="pinned", availability_zones=["us-east-1a"])


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "pinned.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    return path


def test_synth_pins_the_locked_ami_and_diff_warns_against_the_unpinned_assembly(spec_file, capsys):
    from ultrafleet.cli.commands import _warn_ami_changes

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    before = spec_file.with_name("before.out")
    create_stacks(cdk.App(context=context, outdir=str(before)), parse_spec(SPEC)).network.node.root.synth()
    lock = AmiLock(
        spec="pinned",
        region="us-east-1",
        fleets={
            "train": PinnedAmi(parameter=PARAMETER, ami_id="ami-0aaaaaaaaaaaaaaaa", read_at="2026-12-01T00:00:00Z")
        },
    )
    spec_file.with_name("pinned.lock.yaml").write_text(lock.to_yaml())
    after = spec_file.with_name("after.out")
    app = cdk.App(context=context, outdir=str(after))
    stack = create_stacks(app, locked(parse_spec(SPEC), spec_file)).fleets["train"]
    app.synth()
    template = cdk.assertions.Template.from_stack(stack).to_json()
    assert list(image_ids(template).values()) == ["ami-0aaaaaaaaaaaaaaaa"]
    assert not [p for p in template.get("Parameters", {}).values() if p.get("Default", "").startswith("/aws/service/")]

    _warn_ami_changes(spec_file, None, after, before)
    warning = " ".join(capsys.readouterr().err.split())
    assert warning.startswith("warning UF-LOCK-010 pinned-fleet-train/")
    assert f"from {PARAMETER} (resolved at deploy) to ami-0aaaaaaaaaaaaaaaa;" in warning


def launch_template(image) -> dict:
    return {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {"ImageId": image}}}


def test_diff_warns_with_old_and_new_ids_when_a_deploy_moves_an_ami():
    ssm_ref = {"Ref": "SsmParameterValueami"}
    unpinned = {
        "Parameters": {"SsmParameterValueami": {"Type": "AWS::SSM::Parameter::Value<...>", "Default": PARAMETER}},
        "Resources": {"LT": launch_template(ssm_ref)},
    }
    pinned = {"Resources": {"LT": launch_template("ami-0bbbbbbbbbbbbbbbb")}}
    (finding,) = ami_changes({"s-fleet-train": unpinned}, {"s-fleet-train": pinned})
    assert str(finding) == (
        f"warning UF-LOCK-010 s-fleet-train/LT: the deploy changes the fleet's AMI from {PARAMETER} (resolved at "
        "deploy) to ami-0bbbbbbbbbbbbbbbb; replaced nodes boot the new image; if that is not intended, run "
        "`ultrafleet lock` (or keep the old lock file)"
    )
    resolved = {"s-fleet-train": {"SsmParameterValueami": "ami-0bbbbbbbbbbbbbbbb"}}
    assert ami_changes({"s-fleet-train": unpinned}, {"s-fleet-train": pinned}, resolved) == []  # same image
    moved = {"Resources": {"LT": launch_template("ami-0cccccccccccccccc")}}
    (finding,) = ami_changes({"s-fleet-train": pinned}, {"s-fleet-train": moved})
    assert "from ami-0bbbbbbbbbbbbbbbb to ami-0cccccccccccccccc" in finding.message
    assert ami_changes({}, {"s-fleet-train": moved}) == []  # a new stack moves nothing


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (
            "spec",
            "frontier",
            "error UF-LOCK-002 pinned.lock.yaml: spec: 'frontier' is not this spec ('pinned'); run `ultrafleet lock` "
            "for this spec (or move pinned.lock.yaml to the spec it belongs to)",
        ),
        (
            "region",
            "eu-west-1",
            "error UF-LOCK-003 pinned.lock.yaml: region: 'eu-west-1' is not the spec's region (us-east-1); run "
            "`ultrafleet lock` for this spec (or move pinned.lock.yaml to the spec it belongs to)",
        ),
    ],
)
@pytest.mark.parametrize("command", ["lock", "synth"])
def test_a_lock_for_another_spec_or_region_exits_2_naming_it(spec_file, field, value, expected, command):
    lock = {"spec": "pinned", "region": "us-east-1", "fleets": {}, field: value}
    spec_file.with_name("pinned.lock.yaml").write_text(yaml.safe_dump(lock))
    out = spec_file.with_name("cdk.out")
    result = runner.invoke(app, [command, str(spec_file), *(["--output", str(out)] if command == "synth" else [])])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == expected
    assert not out.exists()


def test_lock_without_credentials_says_so_and_exits_2(spec_file, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(spec_file.with_name("none")))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(spec_file.with_name("none")))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = runner.invoke(app, ["lock", str(spec_file)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no AWS credentials found; set AWS_PROFILE")
    assert not spec_file.with_name("pinned.lock.yaml").exists()


def test_each_environment_has_its_own_lock_file():
    from pathlib import Path

    from ultrafleet.planning.ami_lock import lock_path

    assert lock_path(Path("specs/frontier.yaml")) == Path("specs/frontier.lock.yaml")
    assert lock_path(Path("specs/frontier.yaml"), "prod") == Path("specs/frontier.prod.lock.yaml")


def test_a_lock_missing_a_fleet_or_naming_another_parameter_is_an_error(tmp_path):
    from ultrafleet.planning.ami_lock import check_lock

    two = parse_spec(
        spec_dict(
            name="pinned",
            availability_zones=["us-east-1a"],
            fleets=[
                {"name": "train", "role": "training", "instance_type": "p5.48xlarge", "count": 2},
                {"name": "neuron", "role": "training", "instance_type": "trn1.32xlarge", "count": 2},
            ],
        )
    )
    lock = AmiLock(
        spec="pinned",
        region="us-east-1",
        fleets={
            "neuron": PinnedAmi(parameter=PARAMETER, ami_id="ami-0aaaaaaaaaaaaaaaa", read_at="2026-12-01T00:00:00Z")
        },
    )
    assert [str(f) for f in check_lock(lock, two, tmp_path / "pinned.lock.yaml")] == [
        "error UF-LOCK-004 pinned.lock.yaml: fleets.train: is not locked; run `ultrafleet lock` to add it",
        f"error UF-LOCK-005 pinned.lock.yaml: fleets.neuron.parameter: '{PARAMETER}' is not the fleet's AMI parameter "
        "now (/aws/service/neuron/dlami/multi-framework/ubuntu-24.04/latest/image_id); run `ultrafleet lock --update` "
        "to pin the new image deliberately",
    ]


def test_a_file_that_is_not_a_lock_exits_2(spec_file):
    spec_file.with_name("pinned.lock.yaml").write_text("spec: pinned\n")
    result = runner.invoke(app, ["synth", str(spec_file), "--output", str(spec_file.with_name("cdk.out"))])
    assert result.exit_code == 2
    assert result.stderr.startswith("error UF-LOCK-001 ")
    assert "pinned.lock.yaml: is not an AMI lock (KeyError('region')); delete it and run `ultrafleet lock`" in (
        " ".join(result.stderr.split())
    )
