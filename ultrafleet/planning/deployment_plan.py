"""The deployment plan: everything derived from a spec (one environment of it), computed once by ``plan``.

Validation checks it, ``ultrafleet plan`` prints it, ``create_stacks`` builds the stacks from it; none of them
resolves a fleet, sizes a subnet or places Lustre again. Imports no CDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ultrafleet.planning.ami import dlami_parameter
from ultrafleet.planning.checkpoint import CheckpointPlan, plan_checkpoints
from ultrafleet.planning.fleets import ResolvedFleet, resolve_all
from ultrafleet.planning.lustre import LustrePlan, lustre_zone, plan_lustre
from ultrafleet.planning.names import FleetNames, StackNames
from ultrafleet.planning.network import SubnetPlan, plan_subnets
from ultrafleet.planning.network_policy import FleetPolicy, plan_network_policy
from ultrafleet.planning.node_lifecycle import NodeLifecycle, plan_all
from ultrafleet.planning.scheduler import pcs, pcs_queues, scheduled, scheduled_queue_names
from ultrafleet.planning.stack_counts import (
    StackCounts,
    fleets_with_own_checkpoint_policy,
    observability_shards,
    predict,
    serving,
)
from ultrafleet.spec.models import PcsScheduler, Spec, Storage


@dataclass(frozen=True, kw_only=True)
class FleetPlan:
    """One fleet as its stack builds it."""

    fleet: ResolvedFleet
    """Type, instances, zones, EFA layout, placement, capacity (``fleet.spec.capacity``)."""
    stack_name: str
    """<spec>-fleet-<fleet>."""
    names: FleetNames
    ami_parameter: str | None
    """The public SSM parameter CloudFormation resolves to the DLAMI; None when the spec gives ``ami.id``."""
    lifecycle: NodeLifecycle
    checkpoint: CheckpointPlan | None
    """Training fleets, when the spec has storage.checkpoint."""
    network_policy: FleetPolicy
    scheduled: bool
    """A scheduler (EKS or PCS) owns the fleet's nodes."""
    queue_name: str | None
    """The PCS queue the fleet's own stack creates (one queue per fleet)."""
    serving: bool
    """Behind the spec's load balancer (an inference fleet no scheduler owns)."""
    own_checkpoint_policy: bool
    """Its checkpoint policy lives in its own stack, not the storage stack (beyond the storage stack's share of
    outputs: docs/scale.md)."""


@dataclass(frozen=True, kw_only=True)
class DeploymentPlan:
    spec: Spec
    """The spec (one environment of it) the plan was computed from."""
    stack_names: StackNames
    fleets: tuple[FleetPlan, ...]
    """In spec order."""
    subnets: SubnetPlan
    storage: Storage
    """The spec's storage section with its defaults resolved (the Lustre throughput)."""
    lustre: LustrePlan | None
    lustre_zone: str | None
    """Where Lustre and the express bucket go: the first training fleet's zone (None without one)."""
    pcs: PcsScheduler | None
    pcs_queues: Mapping[str, tuple[str, ...]]
    """Queue name -> fleet names, with a PCS scheduler."""
    stack_counts: tuple[StackCounts, ...]
    """The predicted sizes of the stacks that grow with the fleets."""
    observability_shards: tuple[tuple[FleetPlan, ...], ...]
    """The fleets of each observability stack, the first (``<spec>-observability``) first."""

    @property
    def resolved_fleets(self) -> list[ResolvedFleet]:
        return [f.fleet for f in self.fleets]

    @property
    def serving_fleets(self) -> list[ResolvedFleet]:
        return [f.fleet for f in self.fleets if f.serving]

    @property
    def checkpoints(self) -> list[CheckpointPlan]:
        return [f.checkpoint for f in self.fleets if f.checkpoint]

    @property
    def lifecycles(self) -> list[NodeLifecycle]:
        return [f.lifecycle for f in self.fleets]

    @property
    def network_policy(self) -> list[FleetPolicy]:
        return [f.network_policy for f in self.fleets]


def plan(spec: Spec) -> DeploymentPlan:
    """The plan of a spec whose fleet types resolve (validation checks the rest of it, on this plan)."""
    fleets = resolve_all(spec)
    checkpoints = {c.fleet: c for c in plan_checkpoints(spec, fleets)}
    lifecycles = plan_all(spec, fleets, list(checkpoints.values()))
    policies = plan_network_policy(spec, fleets)
    served = {f.spec.name for f in serving(spec, fleets)}
    queues = scheduled_queue_names(spec)
    names = StackNames(spec.name)
    lustre = plan_lustre(spec.storage.lustre, fleets)
    scheduler = pcs(spec)
    own_policies = fleets_with_own_checkpoint_policy(fleets)
    planned = tuple(
        FleetPlan(
            fleet=f,
            stack_name=names.fleet(f.spec.name),
            names=FleetNames.of(spec.name, f.spec.name),
            ami_parameter=None if f.spec.ami.id else dlami_parameter(f.instance_type),
            lifecycle=lifecycle,
            checkpoint=checkpoints.get(f.spec.name),
            network_policy=policy,
            scheduled=scheduled(spec, f.spec),
            queue_name=queues.get(f.spec.name),
            serving=f.spec.name in served,
            own_checkpoint_policy=f.spec.name in own_policies,
        )
        for f, lifecycle, policy in zip(fleets, lifecycles, policies, strict=True)
    )
    by_name = {p.fleet.spec.name: p for p in planned}
    return DeploymentPlan(
        spec=spec,
        stack_names=names,
        fleets=planned,
        subnets=plan_subnets(fleets, spec.availability_zones, spec.network.subnet_prefix_length),
        storage=spec.storage.model_copy(update={"lustre": lustre.settings}) if lustre else spec.storage,
        lustre=lustre,
        lustre_zone=lustre_zone(fleets),
        pcs=scheduler,
        pcs_queues=MappingProxyType(
            {q: tuple(members) for q, members in pcs_queues(spec, scheduler).items()} if scheduler else {}
        ),
        stack_counts=tuple(predict(spec, fleets)),
        observability_shards=tuple(
            tuple(by_name[f.spec.name] for f in shard) for shard in observability_shards(spec, fleets)
        ),
    )
