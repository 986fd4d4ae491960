"""The GitHub Actions workflow: valid for actionlint and the workflow JSON schema, jobs in deployment order with
OIDC roles and no keys, and the shipped example kept equal to what `ultrafleet workflow` writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import ROOT, spec_dict
from ultrafleet.cli.commands import app

runner = CliRunner()
EXAMPLE = ROOT / "examples/github/ultrafleet.yml"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def workflow_text(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("wf") / "ultrafleet.yml"
    cwd = Path.cwd()
    os.chdir(ROOT)  # the workflow names the spec by its path in the repository
    try:
        result = runner.invoke(app, ["workflow", "specs/reference.yaml", "--output", str(out)])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return out.read_text()


def test_the_shipped_example_is_what_the_command_writes(workflow_text):
    assert EXAMPLE.read_text() == workflow_text


def test_actionlint_passes_with_shellcheck_on_the_run_scripts():
    env = os.environ | {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    assert (BIN / "shellcheck").exists()
    result = subprocess.run(
        [str(BIN / "actionlint"), str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout) == (0, "")


def test_the_workflow_schema_accepts_it():
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_jobs_run_checks_then_diff_and_approved_deploy_per_environment(workflow_text):
    workflow = yaml.safe_load(workflow_text)
    jobs = workflow["jobs"]
    assert [(name, job.get("needs"), job.get("environment")) for name, job in jobs.items()] == [
        ("checks", None, None),
        ("diff-dev", "checks", None),
        ("deploy-dev", "diff-dev", "dev"),
        ("diff-prod", "deploy-dev", None),
        ("deploy-prod", "diff-prod", "prod"),
    ]
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow[True] == {"push": {"branches": ["main"]}, "pull_request": None}  # YAML 1.1 reads `on` as True
    roles = {
        name: [s["with"] for s in job["steps"] if s.get("uses", "").startswith("aws-actions/")]
        for name, job in jobs.items()
    }
    assert roles == {
        "checks": [],
        "diff-dev": [
            {"role-to-assume": "arn:aws:iam::111122223333:role/ultrafleet-github-diff", "aws-region": "us-east-1"}
        ],
        "deploy-dev": [
            {"role-to-assume": "arn:aws:iam::111122223333:role/ultrafleet-github-deploy", "aws-region": "us-east-1"}
        ],
        "diff-prod": [
            {"role-to-assume": "arn:aws:iam::123456789012:role/ultrafleet-github-diff", "aws-region": "us-east-1"}
        ],
        "deploy-prod": [
            {"role-to-assume": "arn:aws:iam::123456789012:role/ultrafleet-github-deploy", "aws-region": "us-east-1"}
        ],
    }
    assert all(jobs[n]["permissions"] == {"contents": "read", "id-token": "write"} for n in roles if n != "checks")
    assert all(jobs[n]["if"] == "github.event_name == 'push'" for n in roles if n.startswith("diff-"))
    assert [s["run"] for s in jobs["deploy-prod"]["steps"] if "run" in s] == [
        "make deploy SPEC=specs/reference.yaml ENV=prod"
    ]
    assert "secrets." not in workflow_text and "aws-access-key-id" not in workflow_text


def test_the_policy_check_commands_pass_on_a_real_assembly(cli_assemblies):
    """The workflow's and the pipeline's cfn-lint command, with the repository's cfn-lint.yaml."""
    templates = sorted(str(p) for p in cli_assemblies["reference"].glob("*.template.json"))
    command = [str(BIN / "cfn-lint"), "--config-file", "cfn-lint.yaml", *templates]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert (result.returncode, result.stdout[:500]) == (0, "")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (spec_dict(), "error UF-PIPE-004 environments: is empty; a workflow deploys named environments"),
        (
            spec_dict(environments={"dev": {}}),
            "error UF-PIPE-003 environments.dev.account: is not set; a workflow deploys to accounts",
        ),
    ],
    ids=["no-environments", "no-account"],
)
def test_a_spec_the_workflow_cannot_deploy_exits_2(tmp_path, data, expected):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "wf.yml"
    result = runner.invoke(app, ["workflow", str(path), "--output", str(out)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == expected
    assert not out.exists()
