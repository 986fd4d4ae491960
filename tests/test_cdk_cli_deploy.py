"""The real, pinned CDK CLI against a local moto server: `cdk bootstrap`, `cdk deploy --all` of the reference
spec, resources checked through boto3, then `cdk diff --no-change-set` after a fleet change must leave the
storage stack without differences. Bounded by subprocess timeouts; the server stops on exit."""

from __future__ import annotations

import json
import subprocess

import yaml

from conftest import ROOT
from ultrafleet.cdk_cli import cdk_env
from ultrafleet.testing.harness import MotoServer, assembly_stacks

CDK = str(ROOT / "node_modules/.bin/cdk")


def cdk(server: MotoServer, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [CDK, *args], cwd=ROOT, env=cdk_env(ROOT) | server.env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"cdk {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_bootstrap_deploy_and_diff_with_the_real_cli(cli_assemblies, tmp_path):
    assembly = cli_assemblies["reference"]
    with MotoServer() as server:
        cdk(server, "bootstrap", "aws://123456789012/us-east-1")
        with server.watching() as problems:
            cdk(
                server,
                "deploy",
                "--all",
                "--app",
                str(assembly),
                "--require-approval",
                "never",
                "--method=direct",
                "--progress",
                "events",
            )
        for name, artifact in assembly_stacks(assembly).items():
            template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
            server.verify(name, template, problems)  # no skip, every resource created

        ec2 = server.client("ec2")
        interfaces = [
            len(v["LaunchTemplateData"]["NetworkInterfaces"])
            for lt in ec2.describe_launch_templates()["LaunchTemplates"]
            for v in ec2.describe_launch_template_versions(LaunchTemplateId=lt["LaunchTemplateId"])[
                "LaunchTemplateVersions"
            ]
        ]
        assert sorted(interfaces) == [1, 9, 17, 17]  # g7e (no EFA), p6-b200, p6e-gb200, trn2
        assert len(server.client("fsx").describe_file_systems()["FileSystems"]) == 1

        spec = yaml.safe_load((ROOT / "specs/reference.yaml").read_text())
        spec["fleets"][0]["count"] = 48
        changed = tmp_path / "changed.yaml"
        changed.write_text(yaml.safe_dump(spec))
        diff = cdk(server, "diff", "--no-change-set", "-c", f"spec={changed}")
        text = diff.stdout + diff.stderr
        storage = text.split("Stack frontier-storage")[1].split("Stack ")[0]
        fleets = text.split("Stack frontier-fleet-pretrain-b200")[1].split("Stack ")[0]
        for other in ("gb200-nvl72", "trn2-finetune", "serve-g7e"):
            assert "There were no differences" in text.split(f"Stack frontier-fleet-{other}")[1].split("Stack ")[0]
        assert "There were no differences" in storage
        assert "pretrainb200Group" in fleets and "DesiredCapacity" in fleets
        assert "replace" not in fleets.lower()
