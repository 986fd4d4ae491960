"""bench/replay_app.py, which `make bench` times against ultrafleet's own synth, rebuilds an assembly's templates
exactly in both its modes: the same resources with their attributes, parameters and outputs; only the construct
paths in their metadata differ."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT
from ultrafleet.deploy.assembly import assembly_stacks, template_file
from ultrafleet.deploy.cdk_cli import cdk_env


def without_paths(template: dict) -> dict:
    """The template's resources without their construct paths, its parameters and its outputs."""
    resources = {
        name: resource | {"Metadata": {k: v for k, v in resource.get("Metadata", {}).items() if k != "aws:cdk:path"}}
        for name, resource in template["Resources"].items()
    }
    return {"Resources": resources, "Parameters": template.get("Parameters"), "Outputs": template.get("Outputs")}


@pytest.mark.parametrize("mode", ["resources", "include"])
def test_the_replay_app_rebuilds_every_template_of_an_assembly(cli_assemblies, tmp_path, mode):
    source = cli_assemblies["reference"]
    env = cdk_env(ROOT) | {"REPLAY_ASSEMBLY": str(source), "REPLAY_MODE": mode, "CDK_VALIDATION": "false"}
    env["CDK_OUTDIR"] = str(tmp_path)
    subprocess.run([sys.executable, str(ROOT / "bench/replay_app.py")], cwd=ROOT, env=env, check=True, timeout=300)
    stacks = assembly_stacks(source)
    assert sorted(assembly_stacks(tmp_path)) == sorted(stacks)
    for name, artifact in stacks.items():
        original = json.loads(template_file(source, artifact).read_text())
        replayed = json.loads((tmp_path / f"{name}.template.json").read_text())
        assert without_paths(replayed) == without_paths(original), name
        assert sorted(replayed) == sorted(original), name  # the same sections (Description, Rules, ...)
        assert replayed.get("Description") == original.get("Description"), name
