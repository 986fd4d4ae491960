"""The real, pinned CDK CLI against a local moto server: `cdk bootstrap`, `cdk deploy --all` of a two-fleet spec
(as `ultrafleet synth` writes it), resources checked through boto3, then `cdk diff --no-change-set` after a fleet
change must leave the storage stack and the other fleet without differences, `cdk deploy --all` of the changed spec
must update the fleet in place (a redeploy, with the CLI's UsePreviousValue parameters), and `ultrafleet diff` must
block a change that replaces the checkpoint bucket. Bounded by subprocess timeouts; the server starts clean and
stops on exit.

The spec is small on purpose: what the CLI adds (bootstrap, asset publishing, ordering and concurrency, the
redeploy, diffs against deployed stacks) does not grow with a spec. The reference spec's stacks are deployed and
checked resource by resource in tests/test_moto_deploy.py, every shipped spec's in tests/test_moto_deploy_specs.py
and tests/test_scheduler_deploy.py, from the real CLI's assemblies."""

from __future__ import annotations

import copy
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


def start_cdk(server: MotoServer, *args: str) -> tuple[tuple[str, ...], subprocess.Popen]:
    cmd = [CDK, *args]
    env = cdk_env(ROOT) | server.env
    return args, subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(started: tuple[tuple[str, ...], subprocess.Popen]) -> subprocess.CompletedProcess:
    args, proc = started
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, f"cdk {' '.join(args)} failed:\n{stdout[-3000:]}\n{stderr[-3000:]}"
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def cdk(server: MotoServer, *args: str) -> subprocess.CompletedProcess:
    return finish(start_cdk(server, *args))


SPEC = {
    "name": "clideploy",
    "region": "us-east-1",
    "availability_zones": ["us-east-1a"],
    "fleets": [
        {"name": "train", "role": "training", "instance_type": "p5.48xlarge", "count": 2},
        {"name": "eval", "role": "training", "instance_type": "g6e.xlarge", "count": 1},
    ],
}


def synth(spec: dict, path, out) -> None:
    path.write_text(yaml.safe_dump(spec))
    result = CliRunner().invoke(app, ["synth", str(path), "--output", str(out)])
    assert result.exit_code == 0, result.output


def test_bootstrap_deploy_and_diff_with_the_real_cli(tmp_path):
    spec, changed = copy.deepcopy(SPEC), tmp_path / "changed.yaml"
    assembly, changed_assembly = tmp_path / "cdk.out", tmp_path / "changed.out"
    sns_backends["123456789012"]["us-east-1"].create_topic("left-behind")  # what an earlier moto user left
    with MotoServer() as server:
        assert server.client("sns").list_topics()["Topics"] == []
        # bootstrap synthesizes the project's app too: into tmp_path, not the repository's cdk.out
        bootstrap = start_cdk(server, "bootstrap", "aws://123456789012/us-east-1", "-o", str(tmp_path / "app.out"))
        # both assemblies while the CLI bootstraps (it mostly waits on CloudFormation)
        synth(spec, tmp_path / "spec.yaml", assembly)
        spec["fleets"][0]["count"] = 48
        synth(spec, changed, changed_assembly)
        finish(bootstrap)
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
        # g6e.xlarge: no EFA; p5.48xlarge: 32 network cards, card 0 with the ENA and an EFA-only interface
        assert sorted(interfaces) == [1, 33]

        diff = cdk(server, "diff", "--app", str(changed_assembly), "--no-change-set")
        text = diff.stdout + diff.stderr
        storage = text.split("Stack clideploy-storage")[1].split("Stack ")[0]
        fleets = text.split("Stack clideploy-fleet-train")[1].split("Stack ")[0]
        assert "There were no differences" in text.split("Stack clideploy-fleet-eval")[1].split("Stack ")[0]
        assert "There were no differences" in storage
        assert "trainGroup" in fleets and "DesiredCapacity" in fleets
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
        updated = {"clideploy-fleet-train", "clideploy-observability"}
        assert {n for n, status in statuses.items() if status == "UPDATE_COMPLETE"} == updated
        assert {statuses[n] for n in assembly_stacks(assembly) if n not in updated} == {"CREATE_COMPLETE"}
        (group,) = [
            g
            for g in server.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
            if {"Key": "ultrafleet:fleet", "Value": "train"}
            in [{"Key": t["Key"], "Value": t["Value"]} for t in g["Tags"]]
        ]
        assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (48, 48, 48)

        # `ultrafleet diff` reads the deployed stacks too; a new bucket name would replace the checkpoint bucket.
        spec["storage"] = {"checkpoint_bucket": {"bucket_name": "clideploy-checkpoints-0001"}}
        changed.write_text(yaml.safe_dump(spec))
        guarded = CliRunner().invoke(
            app, ["diff", str(changed), "--output", str(tmp_path / "guarded.out")], env=server.env
        )
        assert guarded.exit_code == 1, guarded.output
        assert guarded.stdout.count("There were no differences") == 4  # every stack compared with its deployed one
        assert [line for line in guarded.stderr.splitlines() if line.startswith("error")] == [
            "error UF-DIFF-001 clideploy-storage/Checkpoints/Bucket: AWS::S3::Bucket CheckpointsBucket6BA0C50D would "
            "be replaced, and its data with it. Revert the change, or copy the data first and pass "
            "--allow-replacement"
        ]
