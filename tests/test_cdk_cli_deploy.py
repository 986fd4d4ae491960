"""The real, pinned CDK CLI against a local moto server: `cdk bootstrap`, `cdk deploy --all` of the reference
spec, resources checked through boto3, then `cdk diff --no-change-set` after a fleet change must leave the
storage stack without differences, `cdk deploy --all` of the changed spec must update the fleet in place (a
redeploy, with the CLI's UsePreviousValue parameters), and `ultrafleet diff` must block a change that replaces
the checkpoint bucket. Bounded by subprocess timeouts; the server starts clean and stops on exit."""

from __future__ import annotations

import json
import subprocess

import yaml
from moto.sns.models import sns_backends
from typer.testing import CliRunner

from conftest import ROOT
from ultrafleet.cli.commands import app
from ultrafleet.deploy.assembly import assembly_stacks
from ultrafleet.deploy.cdk_cli import cdk_env
from ultrafleet.testing.harness import MotoServer

CDK = str(ROOT / "node_modules/.bin/cdk")


def cdk(server: MotoServer, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [CDK, *args], cwd=ROOT, env=cdk_env(ROOT) | server.env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"cdk {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_bootstrap_deploy_and_diff_with_the_real_cli(cli_assemblies, tmp_path):
    assembly = cli_assemblies["reference"]
    sns_backends["123456789012"]["us-east-1"].create_topic("left-behind")  # what an earlier moto user left
    with MotoServer() as server:
        assert server.client("sns").list_topics()["Topics"] == []
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
                "--concurrency=4",  # the fleet stacks are independent: deployed side by side, as a pipeline may
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
        changed_assembly = tmp_path / "changed.out"
        cdk(server, "synth", "--quiet", "-c", f"spec={changed}", "--output", str(changed_assembly))
        diff = cdk(server, "diff", "--app", str(changed_assembly), "--no-change-set")
        text = diff.stdout + diff.stderr
        storage = text.split("Stack frontier-storage")[1].split("Stack ")[0]
        fleets = text.split("Stack frontier-fleet-pretrain-b200")[1].split("Stack ")[0]
        for other in ("gb200-nvl72", "trn2-finetune", "serve-g7e"):
            assert "There were no differences" in text.split(f"Stack frontier-fleet-{other}")[1].split("Stack ")[0]
        assert "There were no differences" in storage
        assert "pretrainb200Group" in fleets and "DesiredCapacity" in fleets
        assert "replace" not in fleets.lower()

        # The redeploy: the changed fleet stack is updated in place, the others are left as they are.
        with server.watching() as problems:
            cdk(
                server,
                "deploy",
                "--all",
                "--app",
                str(changed_assembly),
                "--require-approval",
                "never",
                "--method=direct",
                "--concurrency=4",  # the fleet stacks are independent: deployed side by side, as a pipeline may
            )
        assert problems == []
        statuses = {
            s["StackName"]: s["StackStatus"] for s in server.client("cloudformation").describe_stacks()["Stacks"]
        }
        # the observability stack follows: the fleet's circuit breaker threshold is a share of its size
        updated = {"frontier-fleet-pretrain-b200", "frontier-observability"}
        assert {n for n, status in statuses.items() if status == "UPDATE_COMPLETE"} == updated
        assert {statuses[n] for n in assembly_stacks(assembly) if n not in updated} == {"CREATE_COMPLETE"}
        (group,) = [
            g
            for g in server.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
            if {"Key": "ultrafleet:fleet", "Value": "pretrain-b200"}
            in [{"Key": t["Key"], "Value": t["Value"]} for t in g["Tags"]]
        ]
        assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (48, 48, 48)

        # `ultrafleet diff` reads the deployed stacks too; a new bucket name would replace the checkpoint bucket.
        spec["storage"]["checkpoint_bucket"]["bucket_name"] = "frontier-checkpoints-0001"
        for section in ("environments", "pipeline"):  # environments inheriting one fixed name fail validate
            del spec[section]
        changed.write_text(yaml.safe_dump(spec))
        guarded = CliRunner().invoke(
            app, ["diff", str(changed), "--output", str(tmp_path / "guarded.out")], env=server.env
        )
        assert guarded.exit_code == 1, guarded.output
        assert [line for line in guarded.stderr.splitlines() if line.startswith("error")] == [
            "error UF-DIFF-001 frontier-storage/Checkpoints/Bucket: AWS::S3::Bucket CheckpointsBucket6BA0C50D would "
            "be replaced, and its data with it. Revert the change, or copy the data first and pass "
            "--allow-replacement"
        ]
