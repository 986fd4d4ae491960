"""The observability stacks of a spec: one, ``<spec>-observability``, while its fleets fit one template and one
dashboard; then shards ``<spec>-observability-1``, ``-2``, ... by ultrafleet.planning.stack_counts'
observability_shards rule (next fit in spec order), each with a dashboard ``ultrafleet-<spec>-<shard>``."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from constructs import Construct

from ultrafleet.planning.deployment_plan import FleetPlan
from ultrafleet.planning.names import StackNames
from ultrafleet.spec.models import Spec
from ultrafleet.stacks.inference_stack import InferenceStack
from ultrafleet.stacks.observability_stack import ObservabilityStack


def add_observability(
    scope: Construct,
    spec: Spec,
    shards: Sequence[Sequence[FleetPlan]],
    inference: InferenceStack | None,
    env: cdk.Environment,
) -> list[ObservabilityStack]:
    """Every observability stack, the first (topic, logs key, the spec's first fleets) first: one per planned
    shard (``DeploymentPlan.observability_shards``)."""
    stacks: list[ObservabilityStack] = []
    for index, shard in enumerate(shards):
        name = StackNames(spec.name).observability_shard(index)
        part = f", shard {index}" if index else ""
        stacks.append(
            ObservabilityStack(
                scope,
                name,
                stack_name=name,
                spec=spec,
                fleets=list(shard),
                inference=inference,
                first=stacks[0] if stacks else None,
                dashboard_name=f"ultrafleet-{spec.name}-{index}" if index else None,
                env=env,
                description=f"ultrafleet {spec.name}: dashboard, alarms, log groups{part}",
            )
        )
    return stacks
