"""Compose a validated spec into CDK stacks. The only module tree here that imports aws_cdk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import Stack
from constructs import Construct

from ultrafleet.constructs.landing_zone import apply_role_guardrails
from ultrafleet.planning.ami_lock import locked
from ultrafleet.planning.names import StackNames
from ultrafleet.spec import load_spec
from ultrafleet.spec.models import Inference, Spec
from ultrafleet.stacks.construct_props import Serving
from ultrafleet.stacks.fleet_stack import FleetStack
from ultrafleet.stacks.governance import govern, guardrails
from ultrafleet.stacks.inference_stack import InferenceStack
from ultrafleet.stacks.network_stack import NetworkStack
from ultrafleet.stacks.observability_shards import add_observability
from ultrafleet.stacks.observability_stack import ObservabilityStack
from ultrafleet.stacks.queue_stack import QueueStack
from ultrafleet.stacks.storage_stack import StorageStack
from ultrafleet.validation import check, checked_plan, pipeline


@dataclass(frozen=True)
class Stacks:
    network: NetworkStack
    storage: StorageStack
    fleets: dict[str, FleetStack]
    """One stack per fleet, by fleet name."""
    inference: InferenceStack | None
    """The load balancer, when the spec has inference fleets."""
    observability: tuple[ObservabilityStack, ...]
    """Every observability stack: the spec's one, or its shards in order, the first holding the spec's topic and
    logs key (docs/scale.md)."""


def environment(spec: Spec) -> cdk.Environment:
    """The spec's account and region; without an account the stacks stay account-agnostic."""
    return cdk.Environment(account=spec.account, region=spec.region)


def create_stacks(scope: Construct, spec: Spec) -> Stacks:
    """Validate the spec (SpecError on errors), plan it and add its stacks to ``scope`` (the app, or a pipeline
    stage). Stack names are ``<spec>-<part>`` in either, so a pipeline deploys the stacks `cdk deploy` would.

    Order: network, then storage (stateful, retained), then fleets, which depend on both.
    """
    deployment, _ = checked_plan(spec)  # the plan, computed once: every stack takes its parts from it
    names = deployment.stack_names
    env = environment(spec)
    network = NetworkStack(
        scope,
        names.network,
        stack_name=names.network,
        spec=spec,
        subnets=deployment.subnets,
        env=env,
        description=f"ultrafleet {spec.name}: VPC and subnets",
    )
    storage = StorageStack(
        scope,
        names.storage,
        stack_name=names.storage,
        storage=deployment.storage,
        vpc=network.vpc,
        lustre_zone=deployment.lustre_zone,
        env=env,
        description=f"ultrafleet {spec.name}: checkpoint bucket, KMS key, FSx for Lustre",
    )
    serving = deployment.serving_fleets
    inference = None
    if serving:
        inference = InferenceStack(
            scope,
            names.inference,
            stack_name=names.inference,
            fleets=serving,
            vpc=network.vpc,
            settings=spec.load_balancer,
            logs_bucket=storage.checkpoints.logs_bucket,
            env=env,
            description=f"ultrafleet {spec.name}: inference load balancer",
        )
    fleet_stacks = {}
    for planned in deployment.fleets:
        f = planned.fleet
        wiring = None
        if inference and planned.serving:
            group = inference.target_groups[f.spec.name]
            wiring = Serving(
                target_group=group,
                load_balancer_group=inference.endpoint.security_group,
                settings=f.spec.inference or Inference(),
                request_count_label=f"{inference.endpoint.load_balancer.load_balancer_full_name}/"
                f"{group.target_group_full_name}",
            )
        fleet_stacks[f.spec.name] = FleetStack(
            scope,
            planned.stack_name,
            stack_name=planned.stack_name,
            fleet=f,
            vpc=network.vpc,
            subnet_ids=network.compute_subnet_ids(f.availability_zones),
            storage=storage,
            storage_spec=deployment.storage,
            serving=wiring,
            names=planned.names,
            lifecycle=planned.lifecycle,
            scheduler=spec.scheduler if planned.scheduled else None,
            queue_name=planned.queue_name,
            own_checkpoint_policy=planned.own_checkpoint_policy,
            env=env,
            description=f"ultrafleet {spec.name}: fleet {f.spec.name} ({f.instance_type.name})",
        )
    if deployment.pcs and deployment.pcs.queues:
        QueueStack(
            scope,
            names.queues,
            stack_name=names.queues,
            cluster_id=deployment.pcs.cluster_id,
            queues=deployment.pcs_queues,
            fleets=fleet_stacks,
            env=env,
            description=f"ultrafleet {spec.name}: AWS PCS queues",
        )
    observability = add_observability(scope, spec, deployment.observability_shards, inference, env)
    for key, value in {**spec.tags, "ultrafleet:spec": spec.name}.items():
        cdk.Tags.of(scope).add(key, value)
    govern(scope, spec, env)
    return Stacks(
        network=network, storage=storage, fleets=fleet_stacks, inference=inference, observability=tuple(observability)
    )


def create_pipeline(scope: Construct, spec_file: Path) -> Stack:
    """The spec's pipeline stack (its ``pipeline`` section), deploying its stage environments in order."""
    import os

    from ultrafleet.stacks.pipeline_stack import PipelineStack  # CDK Pipelines' modules load only when asked

    spec = load_spec(spec_file)
    check(spec)
    settings = pipeline.required(spec)
    stack = PipelineStack(
        scope,
        StackNames(spec.name).pipeline,
        spec_file=os.path.relpath(spec_file),
        settings=settings,
        environments={name: locked(load_spec(spec_file, name), spec_file, name) for name in settings.stages},
        env=cdk.Environment(account=settings.account, region=settings.region),
        description=f"ultrafleet {spec.name}: CodePipeline deploying {', '.join(settings.stages)}",
    )
    apply_role_guardrails(stack, guardrails(spec))
    return stack
