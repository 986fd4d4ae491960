"""Compose a validated spec into CDK stacks. The only module tree here that imports aws_cdk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import Stack
from constructs import Construct

from ultrafleet.constructs.accelerated_fleet import Serving
from ultrafleet.constructs.landing_zone import apply_role_guardrails
from ultrafleet.planning.ami_lock import locked
from ultrafleet.planning.fleets import resolve_all
from ultrafleet.planning.network import plan_subnets
from ultrafleet.planning.node_lifecycle import plan_all
from ultrafleet.planning.scheduler import pcs, scheduled, scheduled_queue_names
from ultrafleet.planning.stack_counts import fleets_with_own_checkpoint_policy
from ultrafleet.spec import load_spec
from ultrafleet.spec.models import Inference, Role, Spec
from ultrafleet.stacks.fleet_stack import FleetNames, FleetStack
from ultrafleet.stacks.governance import govern, guardrails
from ultrafleet.stacks.inference_stack import InferenceStack
from ultrafleet.stacks.network_stack import NetworkStack
from ultrafleet.stacks.observability_shards import add_observability
from ultrafleet.stacks.observability_stack import ObservabilityStack
from ultrafleet.stacks.queue_stack import QueueStack
from ultrafleet.stacks.storage_stack import StorageStack
from ultrafleet.validation import check, pipeline
from ultrafleet.validation.storage import lustre_zone


@dataclass(frozen=True)
class Stacks:
    network: NetworkStack
    storage: StorageStack
    fleets: dict[str, FleetStack]
    """One stack per fleet, by fleet name."""
    inference: InferenceStack | None
    """The load balancer, when the spec has inference fleets."""
    observability: ObservabilityStack


def environment(spec: Spec) -> cdk.Environment:
    """The spec's account and region; without an account the stacks stay account-agnostic."""
    return cdk.Environment(account=spec.account, region=spec.region)


def create_stacks(scope: Construct, spec: Spec) -> Stacks:
    """Validate the spec (SpecError on errors), plan it and add its stacks to ``scope`` (the app, or a pipeline
    stage). Stack names are ``<spec>-<part>`` in either, so a pipeline deploys the stacks `cdk deploy` would.

    Order: network, then storage (stateful, retained), then fleets, which depend on both.
    """
    check(spec)
    fleets = resolve_all(spec)
    subnets = plan_subnets(fleets, spec.availability_zones, spec.network.subnet_prefix_length)
    env = environment(spec)
    network = NetworkStack(
        scope,
        f"{spec.name}-network",
        stack_name=f"{spec.name}-network",
        spec=spec,
        subnets=subnets,
        env=env,
        description=f"ultrafleet {spec.name}: VPC and subnets",
    )
    storage = StorageStack(
        scope,
        f"{spec.name}-storage",
        stack_name=f"{spec.name}-storage",
        storage=spec.storage,
        vpc=network.vpc,
        lustre_zone=lustre_zone(spec, fleets),
        env=env,
        description=f"ultrafleet {spec.name}: checkpoint bucket, KMS key, FSx for Lustre",
    )
    serving = [f for f in fleets if f.spec.role is Role.INFERENCE and not scheduled(spec, f.spec)]
    queues = scheduled_queue_names(spec)
    inference = None
    if serving:
        inference = InferenceStack(
            scope,
            f"{spec.name}-inference",
            stack_name=f"{spec.name}-inference",
            fleets=serving,
            vpc=network.vpc,
            settings=spec.load_balancer,
            logs_bucket=storage.checkpoints.logs_bucket,
            env=env,
            description=f"ultrafleet {spec.name}: inference load balancer",
        )
    from ultrafleet.planning.checkpoint import plan_checkpoints

    lifecycles = {lc.fleet: lc for lc in plan_all(spec, fleets, plan_checkpoints(spec, fleets))}
    fleet_stacks = {}
    own_policies = fleets_with_own_checkpoint_policy(fleets)  # beyond the storage stack's share: docs/scale.md
    for f in fleets:
        wiring = None
        if inference and f in serving:
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
            f"{spec.name}-fleet-{f.spec.name}",
            stack_name=f"{spec.name}-fleet-{f.spec.name}",
            fleet=f,
            vpc=network.vpc,
            storage=storage,
            storage_spec=spec.storage,
            serving=wiring,
            names=FleetNames.of(spec.name, f.spec.name),
            lifecycle=lifecycles[f.spec.name],
            scheduler=spec.scheduler if scheduled(spec, f.spec) else None,
            queue_name=queues.get(f.spec.name),
            own_checkpoint_policy=f.spec.name in own_policies,
            env=env,
            description=f"ultrafleet {spec.name}: fleet {f.spec.name} ({f.instance_type.name})",
        )
    pcs_scheduler = pcs(spec)
    if pcs_scheduler and pcs_scheduler.queues:
        QueueStack(
            scope,
            f"{spec.name}-queues",
            stack_name=f"{spec.name}-queues",
            cluster_id=pcs_scheduler.cluster_id,
            queues=pcs_scheduler.queues,
            fleets=fleet_stacks,
            env=env,
            description=f"ultrafleet {spec.name}: AWS PCS queues",
        )
    observability = add_observability(scope, spec, fleets, inference, env)[0]  # shards: docs/scale.md
    for key, value in {**spec.tags, "ultrafleet:spec": spec.name}.items():
        cdk.Tags.of(scope).add(key, value)
    govern(scope, spec, env)
    return Stacks(
        network=network, storage=storage, fleets=fleet_stacks, inference=inference, observability=observability
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
        f"{spec.name}-pipeline",
        spec_file=os.path.relpath(spec_file),
        settings=settings,
        environments={name: locked(load_spec(spec_file, name), spec_file, name) for name in settings.stages},
        env=cdk.Environment(account=settings.account, region=settings.region),
        description=f"ultrafleet {spec.name}: CodePipeline deploying {', '.join(settings.stages)}",
    )
    apply_role_guardrails(stack, guardrails(spec))
    return stack
