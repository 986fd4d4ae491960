"""The GitHub Actions workflow for a spec: checks on every pull request, then a diff and an approved deploy per
environment, with OIDC role assumption (no long-lived keys). Rendered from templates/github/workflow.yml.j2."""

from __future__ import annotations

from dataclasses import dataclass

from ultrafleet.findings import SpecError, error
from ultrafleet.spec.models import Spec
from ultrafleet.templates import render

DIFF_ROLE = "ultrafleet-github-diff"
DEPLOY_ROLE = "ultrafleet-github-deploy"


@dataclass(frozen=True)
class Target:
    name: str
    account: str
    region: str
    after: str
    """The job this environment's diff waits for: the checks, or the previous environment's deploy."""


def deployment_order(spec: Spec) -> list[str]:
    """The pipeline's stages when the spec has a pipeline, else its environments in spec order."""
    order = spec.pipeline.stages if spec.pipeline else list(spec.environments)
    if not order:
        raise SpecError([error("UF-PIPE-004", "environments", "is empty; a workflow deploys named environments")])
    return order


def render_workflow(
    spec_file: str,
    spec: Spec,
    environments: dict[str, Spec],
    *,
    diff_role: str = DIFF_ROLE,
    deploy_role: str = DEPLOY_ROLE,
) -> str:
    """The workflow YAML. ``environments``: each environment's merged spec, in deployment order."""
    targets, after = [], "checks"
    for name, env in environments.items():
        if env.account is None:
            raise SpecError(
                [error("UF-PIPE-003", f"environments.{name}.account", "is not set; a workflow deploys to accounts")]
            )
        targets.append(Target(name=name, account=env.account, region=env.region, after=after))
        after = f"deploy-{name}"
    return render(
        "github/workflow.yml.j2",
        spec_file=spec_file,
        spec_name=spec.name,
        branch=spec.pipeline.branch if spec.pipeline else "main",
        environments=targets,
        diff_role=diff_role,
        deploy_role=deploy_role,
    )
