"""The pipeline's cloud assembly, as `ultrafleet synth --pipeline` writes it, deployed into moto: the pipeline
stack, then both environments' stacks from their stage assemblies side by side, checked through boto3."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from ultrafleet.cli.commands import app
from ultrafleet.testing.harness import MotoCloud


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    out = tmp_path_factory.mktemp("pipeline") / "cdk.out"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(app, ["synth", "specs/reference.yaml", "--pipeline", "--output", str(out)])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    with MotoCloud() as cloud:
        cloud.deployed = cloud.deploy_assembly(out)
        for stage in ("dev", "prod"):
            cloud.deployed |= cloud.deploy_assembly(out / f"assembly-frontier-pipeline-{stage}")
        yield cloud


def test_every_stack_of_the_pipeline_and_its_environments_deploys(cloud):
    stacks = {s["StackName"]: s["StackStatus"] for s in cloud.client("cloudformation").describe_stacks()["Stacks"]}
    parts = ["network", "storage", "inference", "observability"] + [
        f"fleet-{f}" for f in ("pretrain-b200", "gb200-nvl72", "trn2-finetune", "serve-g7e")
    ]
    expected = {"frontier-pipeline"} | {f"frontier-{env}-{part}" for env in ("dev", "prod") for part in parts}
    assert stacks == dict.fromkeys(expected, "CREATE_COMPLETE")


def test_the_pipeline_as_codepipeline_returns_it(cloud):
    pipeline = cloud.client("codepipeline").get_pipeline(name="frontier-pipeline")["pipeline"]
    stages = [s["name"] for s in pipeline["stages"]]
    assert stages == ["Source", "Build", "UpdatePipeline", "dev", "prod"]
    source = pipeline["stages"][0]["actions"][0]
    assert source["configuration"]["FullRepositoryId"] == "acme-ml/platform-compute"
    projects = cloud.client("codebuild").list_projects()["projects"]
    assert len(projects) == 6  # Synth, SelfMutate, Tests, PolicyChecks, Diff-dev, Diff-prod


def test_each_environment_got_its_own_sizes(cloud):
    groups = {
        g["AutoScalingGroupName"]: (g["MinSize"], g["MaxSize"])
        for g in cloud.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    }
    assert groups["frontier-dev-pretrain-b200"] == (2, 2)
    assert groups["frontier-prod-pretrain-b200"] == (32, 32)
    assert groups["frontier-dev-serve-g7e"] == (1, 2)
    assert groups["frontier-prod-serve-g7e"] == (2, 12)
