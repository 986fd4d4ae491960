"""The pipeline stack (`-c pipeline=true`): its stages and steps in order, the diff step's read-only role, the
environments it deploys, and cfn-lint on its template."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk.assertions import Match, Template
from cfnlint.api import ManualArgs, lint
from typer.testing import CliRunner

from conftest import ROOT, spec_dict
from ultrafleet.cli.commands import app
from ultrafleet.findings import SpecError
from ultrafleet.spec import parse_spec
from ultrafleet.stacks import create_pipeline
from ultrafleet.validation import check

REFERENCE = ROOT / "specs/reference.yaml"
PIPELINE = {
    "account": "444455556666",
    "region": "us-east-1",
    "repository": "acme/compute",
    "connection_arn": "arn:aws:codeconnections:us-east-1:444455556666:connection/abc",
    "stages": ["dev"],
}


@pytest.fixture(scope="module")
def pipeline_template(monkeypatch_module) -> dict:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    stack = create_pipeline(cdk.App(context=context), REFERENCE)
    return Template.from_stack(stack).to_json()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)  # the steps name the spec by its path in the repository
        yield mp


def actions(template: dict) -> dict[str, list[tuple[str, int]]]:
    pipeline = Template.from_json(template).find_resources("AWS::CodePipeline::Pipeline")
    (props,) = [p["Properties"] for p in pipeline.values()]
    return {s["Name"]: [(a["Name"], a["RunOrder"]) for a in s["Actions"]] for s in props["Stages"]}


def test_stages_run_checks_then_diff_and_approval_before_each_environment(pipeline_template):
    stages = actions(pipeline_template)
    assert list(stages) == ["Source", "Build", "UpdatePipeline", "dev", "prod"]
    assert stages["dev"][:5] == [
        ("Tests", 1),
        ("PolicyChecks", 2),
        ("Diff-dev", 3),
        ("Approve-dev", 4),
        ("frontier-dev-network.Prepare", 5),
    ]
    assert stages["prod"][:3] == [("Diff-prod", 1), ("Approve-prod", 2), ("frontier-prod-network.Prepare", 3)]
    deployed = sorted(name.removesuffix(".Deploy") for name, _ in stages["prod"] if name.endswith(".Deploy"))
    assert deployed == sorted(
        f"frontier-prod-{s}"
        for s in (
            "network",
            "storage",
            "inference",
            "observability",
            "fleet-pretrain-b200",
            "fleet-gb200-nvl72",
            "fleet-trn2-finetune",
            "fleet-serve-g7e",
        )
    )
    network, storage = (
        next(order for name, order in stages["prod"] if name == f"frontier-prod-{s}.Deploy")
        for s in ("network", "storage")
    )
    fleet = next(order for name, order in stages["prod"] if name == "frontier-prod-fleet-pretrain-b200.Deploy")
    assert network < storage < fleet


def test_source_is_the_connection_and_artifacts_are_encrypted_for_other_accounts(pipeline_template):
    template = Template.from_json(pipeline_template)
    template.has_resource_properties(
        "AWS::CodePipeline::Pipeline",
        {
            "PipelineType": "V2",
            "Stages": Match.array_with(
                [
                    {
                        "Name": "Source",
                        "Actions": [
                            Match.object_like(
                                {
                                    "ActionTypeId": Match.object_like({"Provider": "CodeStarSourceConnection"}),
                                    "Configuration": Match.object_like(
                                        {
                                            "ConnectionArn": "arn:aws:codeconnections:us-east-1:444455556666:"
                                            "connection/5f0c6c2e-7d1b-4f7a-9c53-0a8e2b1d4c77",
                                            "FullRepositoryId": "acme-ml/platform-compute",
                                            "BranchName": "main",
                                        }
                                    ),
                                }
                            )
                        ],
                    }
                ]
            ),
        },
    )
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def build_specs(template: dict) -> dict[str, str]:
    """{CodeBuild project description or name fragment: buildspec} of every project."""
    projects = Template.from_json(template).find_resources("AWS::CodeBuild::Project")
    return {
        json.dumps(p["Properties"].get("Description", "")): p["Properties"]["Source"]["BuildSpec"]
        for p in projects.values()
    }


@pytest.mark.parametrize(
    ("step", "commands"),
    [
        ("Synth", ["make install", ".venv/bin/ultrafleet validate specs/reference.yaml"]),
        ("Tests", ["make test"]),
        ("PolicyChecks", ["make install-dev", "--config-file cfn-lint.yaml"]),
        ("Diff-prod", ["make install", ".venv/bin/ultrafleet diff specs/reference.yaml --env prod"]),
    ],
)
def test_every_step_runs_the_repository_commands(pipeline_template, step, commands):
    specs = [spec for description, spec in build_specs(pipeline_template).items() if f"/{step}" in description]
    assert len(specs) == 1, list(build_specs(pipeline_template))
    text = json.dumps(specs[0])
    assert [c for c in commands if json.dumps(c)[1:-1] not in text] == []


def test_the_diff_step_may_assume_only_the_environment_lookup_role(pipeline_template):
    policies = Template.from_json(pipeline_template).find_resources("AWS::IAM::Policy")
    assumed = [
        json.dumps(statement["Resource"])
        for p in policies.values()
        for statement in p["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "sts:AssumeRole" and "lookup-role" in json.dumps(statement["Resource"])
    ]
    assert sorted(assumed) == sorted(
        json.dumps({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{account}:role/{role}"]]})
        for account, role in (
            ("111122223333", "cdk-hnb659fds-lookup-role-111122223333-us-east-1"),
            ("123456789012", "cdk-hnb659fds-lookup-role-123456789012-us-east-1"),
        )
    )


# Two findings on code that CDK Pipelines generates, each checked to be exactly this and nothing more:
IGNORED = {
    # cfn-lint 1.58's E3703 validates a deploy action's Configuration.RoleArn and re-labels the informational
    # I1022 (prefer Fn::Sub) that it meets inside CDK's Fn::Join ARN as its own error. The ARN is valid.
    ("E3703", "Prefer using Fn::Sub over Fn::Join with an empty delimiter"),
    # CDK Pipelines adds DependsOn on the pipeline role that its GetAtt already implies; harmless.
    (
        "W3005",
        "'PipelineRoleB27FAA37' dependency already enforced by a 'GetAtt' at 'Resources/Pipeline9850B417/"
        "Properties/RoleArn'",
    ),
}


def test_the_pipeline_template_passes_cfn_lint(pipeline_template):
    matches = lint(json.dumps(pipeline_template), config=ManualArgs(regions=["us-east-1"]))
    found = {(m.rule.id, m.message) for m in matches}
    assert found == IGNORED  # nothing else, and each ignore still needed
    role_arns = [list(m.path)[-1:] for m in matches if m.rule.id == "E3703"]
    assert len(role_arns) == 16  # each stack's Prepare action (its cfn-exec role): 8 stacks in 2 environments
    assert all(path == ["RoleArn"] for path in role_arns)


@pytest.mark.parametrize(
    ("pipeline", "environments", "expected"),
    [
        (
            PIPELINE | {"stages": ["dev", "qa"]},
            {"dev": {"account": "111122223333"}},
            "error UF-PIPE-001 pipeline.stages[1]: 'qa' is not an environment of this spec; defined: dev",
        ),
        (
            PIPELINE | {"stages": ["dev", "dev"]},
            {"dev": {"account": "111122223333"}},
            "error UF-PIPE-002 pipeline.stages[1]: 'dev' is deployed by an earlier stage; list it once",
        ),
        (
            PIPELINE,
            {"dev": {}},
            "error UF-PIPE-003 pipeline.stages[0]: environment 'dev' has no account; a pipeline deploys to explicit "
            "accounts: set environments.dev.account or the spec's account",
        ),
        (
            PIPELINE | {"connection_arn": "arn:aws:iam::444455556666:role/x"},
            {"dev": {"account": "111122223333"}},
            "error UF-SPEC-001 pipeline.connection_arn: 'arn:aws:iam::444455556666:role/x': String should match "
            "pattern '^arn:aws[a-z-]*:(codestar-connections|codeconnections):'",
        ),
    ],
    ids=["unknown-stage", "repeated-stage", "no-account", "not-a-connection"],
)
def test_pipeline_errors_name_the_field(pipeline, environments, expected):
    with pytest.raises(SpecError) as exc:
        check(parse_spec(spec_dict(pipeline=pipeline, environments=environments)))
    assert [str(f) for f in exc.value.findings] == [expected]


def test_synth_pipeline_without_a_pipeline_section_exits_2(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec_dict()))
    out = tmp_path / "cdk.out"
    result = CliRunner().invoke(app, ["synth", str(path), "--pipeline", "--output", str(out)])
    assert result.exit_code == 2
    assert "error UF-PIPE-000 pipeline: is not set; add a pipeline: section to deploy with one" in result.stderr
    assert not out.exists()
