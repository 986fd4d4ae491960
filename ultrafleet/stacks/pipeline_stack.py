"""The platform team's pipeline: CDK Pipelines (CodePipeline) in a tooling account, deploying each environment.

validate + synth -> tests (moto) -> policy checks (ultrafleet check, cfn-lint) -> then, per environment in order:
`ultrafleet diff` (which fails on a stateful replacement) -> manual approval -> deploy.
"""

from __future__ import annotations

from aws_cdk import Aws, Stack, Stage, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from constructs import Construct

from ultrafleet.spec.models import Pipeline, Spec

BOOTSTRAP_QUALIFIER = "hnb659fds"
"""The default `cdk bootstrap` qualifier; the diff step reads each target account through its lookup role."""


class EnvironmentStage(Stage):
    """One environment's stacks, named as `cdk deploy -c env=NAME` names them."""

    def __init__(self, scope: Construct, construct_id: str, *, spec: Spec) -> None:
        from ultrafleet.stacks import create_stacks, environment

        super().__init__(scope, construct_id, env=environment(spec))
        create_stacks(self, spec)


class PipelineStack(Stack):
    """The pipeline and its steps. Every step runs the repository's own make targets and CLI.

    :param spec_file: the spec's path inside the repository, as the steps name it.
    :param settings: the spec's ``pipeline`` section.
    :param environments: the spec of each environment, in deployment order.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec_file: str,
        settings: Pipeline,
        environments: dict[str, Spec],
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        source = pipelines.CodePipelineSource.connection(
            settings.repository, settings.branch, connection_arn=settings.connection_arn
        )
        synth = pipelines.ShellStep(
            "Synth",
            input=source,
            install_commands=["make install"],
            commands=[
                f".venv/bin/ultrafleet validate {spec_file}",
                f".venv/bin/ultrafleet synth {spec_file} --pipeline",
            ],
        )
        pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=construct_id,
            pipeline_type=codepipeline.PipelineType.V2,
            synth=synth,
            cross_account_keys=True,  # the environments' accounts read the artifacts
            enable_key_rotation=True,
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(
                    build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                    compute_type=codebuild.ComputeType.MEDIUM,
                )
            ),
        )
        tests = pipelines.ShellStep("Tests", input=source, commands=["make test"])
        checks = pipelines.ShellStep(
            "PolicyChecks",
            input=source,
            additional_inputs={"cdk.out": synth},
            install_commands=["make install-dev"],
            commands=[
                'for a in cdk.out/assembly-*/; do .venv/bin/ultrafleet check "$a" '
                '&& .venv/bin/cfn-lint --config-file cfn-lint.yaml "$a"*.template.json; done'
            ],
        )
        checks.add_step_dependency(tests)
        for position, (name, spec) in enumerate(environments.items()):
            diff = pipelines.CodeBuildStep(
                f"Diff-{name}",
                input=source,
                install_commands=["make install"],
                commands=[f".venv/bin/ultrafleet diff {spec_file} --env {name}"],
                role_policy_statements=[lookup_role_statement(spec)],
            )
            approve = pipelines.ManualApprovalStep(
                f"Approve-{name}", comment=f"Deploy {spec.name} to {spec.account}/{spec.region}? Read Diff-{name}."
            )
            approve.add_step_dependency(diff)
            pre: list[pipelines.Step] = [diff, approve]
            if position == 0:  # the checks run once, before the first environment
                diff.add_step_dependency(checks)
                pre = [tests, checks, *pre]
            pipeline.add_stage(EnvironmentStage(self, name, spec=spec), pre=pre)


def lookup_role_statement(spec: Spec) -> iam.PolicyStatement:
    """Lets `cdk diff` assume the environment's bootstrap lookup role (read-only)."""
    return iam.PolicyStatement(
        actions=["sts:AssumeRole"],
        resources=[
            f"arn:{Aws.PARTITION}:iam::{spec.account}:role/"
            f"cdk-{BOOTSTRAP_QUALIFIER}-lookup-role-{spec.account}-{spec.region}"
        ],
    )
