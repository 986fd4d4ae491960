"""Predict, before synth, what the stacks shared by every fleet will hold: their resource, output and parameter
counts and the dashboard's widgets, by the same rules ultrafleet/stacks and ultrafleet/constructs follow.

Only the stacks whose size grows with the number of fleets are predicted: ``<spec>-storage`` (a checkpoint policy
and an export for each of the first STORAGE_FLEET_POLICIES training fleets), ``<spec>-inference`` (a target group
and two exports per served fleet) and the observability shards ``<spec>-observability``,
``<spec>-observability-1``, ... (a log group, alarms and widgets per fleet; observability_shards says which fleet
goes where). A fleet stack holds one fleet, and the network stack grows with zones, not fleets.
tests/test_stack_quotas.py holds every number here equal to the synthesized templates; a change to the stacks that
breaks it must change this module too.

The shard rules depend only on the fleets before a fleet (in spec order), so appending fleets to a spec never moves
an existing fleet's resources to another stack (docs/scale.md, "Stable layout").
"""

from __future__ import annotations

from dataclasses import dataclass

from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.names import StackNames
from ultrafleet.planning.network_policy import LUSTRE_TCP_PORTS
from ultrafleet.planning.node_lifecycle import has_termination_hook
from ultrafleet.planning.scheduler import scheduled
from ultrafleet.spec.models import AccessLogging, Inference, Role, Spec

CDK_PARAMETERS = 1
"""Every stack's BootstrapVersion parameter (the CDK's default synthesizer)."""

CFN_QUOTAS = "AWS CloudFormation User Guide, 'Understand CloudFormation quotas' (cloudformation-limits.html)"
"""The current page; the archived awsdocs/aws-cloudformation-user-guide copy still lists 200 resources, 60 outputs
and 60 parameters (the quotas before 2020), and the AWS page wins."""
MAX_RESOURCES = 500
"""Resources declared in one template (source: CFN_QUOTAS, "Resources")."""
MAX_OUTPUTS = 200
"""Outputs declared in one template (source: CFN_QUOTAS, "Outputs")."""
MAX_PARAMETERS = 200
"""Parameters declared in one template (source: CFN_QUOTAS, "Parameters")."""
MAX_DASHBOARD_WIDGETS = 500
"""Widget objects in one dashboard body: "an array of between 0 and 500 widget objects" (source: Amazon
CloudWatch API Reference, 'Dashboard Body Structure and Syntax', referenced by PutDashboard's DashboardBody)."""

STORAGE_SHARED_EXPORTS = 10
"""The most exports the storage stack holds besides per-fleet policies: the bucket's name, the access-log bucket,
the Express bucket's name and ARN with the key's ARN, Lustre's client group, DNS name and mount name, and the two
exports named by convention for the later fleets' own policies (the bucket's ARN, the key's ARN)."""
STORAGE_FLEET_POLICIES = MAX_OUTPUTS - STORAGE_SHARED_EXPORTS
"""The first 190 training fleets (spec order) keep their checkpoint policy in the storage stack, exported to their
fleet stack (the layout every spec had before sharding); each later training fleet holds its policy in its own
fleet stack (ultrafleet.stacks.fleet_checkpoint_policy), so the storage stack stays within 200 outputs however many
fleets there are. A fixed count, not one that depends on later fleets, so appending fleets moves no policy."""
OBSERVABILITY_FIXED = 4
"""The first observability stack's own resources: the alarm topic and its policy, the dashboard, the logs key."""
SHARD_FIXED = 1
"""A later shard's own resource: its dashboard (it uses the first shard's topic and logs key)."""
SHARED_FROM_FIRST_SHARD = 2
"""Exports the first observability stack adds once there is a later shard: the topic's ARN, the logs key's ARN."""


@dataclass(frozen=True)
class StackCounts:
    stack: str
    """The stack's name, ``<spec>-<part>``."""
    resources: int
    outputs: int
    """Outputs, all of them exports the CDK adds for references from other stacks."""
    parameters: int
    dashboard_widgets: int | None = None
    """Widgets on the stack's CloudWatch dashboard (None: the stack has no dashboard)."""
    splits: bool = False
    """The stack sheds fleets to other stacks before it reaches a quota (storage, observability shards)."""


def _training(fleets: list[ResolvedFleet]) -> list[ResolvedFleet]:
    return [f for f in fleets if f.spec.role is Role.TRAINING]


def serving(spec: Spec, fleets: list[ResolvedFleet]) -> list[ResolvedFleet]:
    """Inference fleets behind the load balancer (those no scheduler owns), as ultrafleet.stacks picks them."""
    return [f for f in fleets if f.spec.role is Role.INFERENCE and not scheduled(spec, f.spec)]


def storage(spec: Spec, fleets: list[ResolvedFleet]) -> StackCounts:
    """StorageStack: the key, CheckpointBucket (two buckets, their policies, a trail for CloudTrail data events),
    one CfnManagedPolicy for each of the first STORAGE_FLEET_POLICIES training fleets, the Express bucket and
    Lustre when asked (both need a training fleet).

    Exports: each of those policies, the bucket's name (the fleets' boot scripts), the access-log bucket (the
    load balancer's logs), Lustre's client group, DNS name and mount name, the Express bucket's name and ARN
    with the key's ARN (ExpressCheckpointBucket.grant_fleet), and with later training fleets the bucket's and the
    key's ARNs (their own policies)."""
    settings = spec.storage
    training = _training(fleets)
    placed = bool(training)  # Lustre and Express go in the first training fleet's zone (storage.lustre_zone)
    kept = min(len(training), STORAGE_FLEET_POLICIES)
    resources = 1 + 4 + kept
    if settings.checkpoint_bucket.access_logging is not AccessLogging.SERVER_ACCESS_LOGS:
        resources += 1
    outputs = kept + (1 if training else 0) + (1 if serving(spec, fleets) else 0)
    if settings.express_bucket and placed:
        resources += 1
        outputs += 3
    if len(training) > kept:  # <spec>-storage-CheckpointBucketArn and -CheckpointKeyArn, for the later fleets
        outputs += 2
    if settings.lustre and placed:
        # two groups; per Lustre port range three rules on the servers' group and one on the clients'; with EFA
        # all traffic both ways within the servers' group and between the groups; the file system, its association
        rules = 4 * len(LUSTRE_TCP_PORTS) + (6 if settings.lustre.efa else 0)
        resources += 2 + rules + 2
        outputs += 3
    return StackCounts(StackNames(spec.name).storage, resources, outputs, CDK_PARAMETERS, splits=True)


def _fleet_alarms(spec: Spec, fleet: ResolvedFleet, served: bool) -> int:
    alarms = 2 + (1 if has_termination_hook(spec, fleet) else 0)  # FleetHealthAlarms: breaker, replaced, drain
    if _drain_watched(fleet):
        alarms += 1
    if served:
        alarms += 1 + (1 if (fleet.spec.inference or Inference()).scaling else 0)
    return alarms


def _drain_watched(fleet: ResolvedFleet) -> bool:
    return fleet.spec.role is Role.TRAINING and bool(fleet.instance_type.nvme)


def _fleet_widgets(fleet: ResolvedFleet, served: bool) -> int:
    widgets = 1 + 1 + 1  # instances, disk used, node health
    widgets += 1 if fleet.instance_type.accelerator_kind == "gpu" else 0
    widgets += 1 if _drain_watched(fleet) else 0
    return widgets + (3 if served else 0)  # requests, latency, hosts


def _fleet_resources(spec: Spec, fleet: ResolvedFleet, served: bool) -> int:
    return 1 + _fleet_alarms(spec, fleet, served)  # its log group and alarms


def observability_shards(spec: Spec, fleets: list[ResolvedFleet]) -> list[list[ResolvedFleet]]:
    """The fleets of each observability stack, first shard first. Next fit in spec order: a fleet joins the last
    shard if its log group, alarms and widgets keep that shard within MAX_RESOURCES and its dashboard within
    MAX_DASHBOARD_WIDGETS, and opens a new shard otherwise. A spec that fitted one observability stack before
    sharding keeps exactly that stack; appending fleets never moves an earlier fleet."""
    served = {f.spec.name for f in serving(spec, fleets)}
    shards: list[list[ResolvedFleet]] = [[]]
    resources, widgets = OBSERVABILITY_FIXED, 0
    for fleet in fleets:
        more = _fleet_resources(spec, fleet, fleet.spec.name in served)
        shown = _fleet_widgets(fleet, fleet.spec.name in served)
        if shards[-1] and (resources + more > MAX_RESOURCES or widgets + shown > MAX_DASHBOARD_WIDGETS):
            shards.append([])
            resources, widgets = SHARD_FIXED, 0
        shards[-1].append(fleet)
        resources, widgets = resources + more, widgets + shown
    return shards


def observability(spec: Spec, fleets: list[ResolvedFleet]) -> list[StackCounts]:
    """Each ObservabilityStack shard: the first holds the alarm topic and its policy, the dashboard and the logs
    key (and exports the topic's and the key's ARNs to the later shards); a later shard holds its own dashboard;
    each holds its fleets' log groups and alarms, and a row of widgets per fleet on its dashboard."""
    served = {f.spec.name for f in serving(spec, fleets)}
    shards = observability_shards(spec, fleets)
    out = []
    for index, shard in enumerate(shards):
        resources = (SHARD_FIXED if index else OBSERVABILITY_FIXED) + sum(
            _fleet_resources(spec, f, f.spec.name in served) for f in shard
        )
        widgets = sum(_fleet_widgets(f, f.spec.name in served) for f in shard)
        outputs = SHARED_FROM_FIRST_SHARD if index == 0 and len(shards) > 1 else 0
        name = StackNames(spec.name).observability_shard(index)
        out.append(StackCounts(name, resources, outputs, CDK_PARAMETERS, dashboard_widgets=widgets, splits=True))
    return out


def fleets_with_own_checkpoint_policy(fleets: list[ResolvedFleet]) -> set[str]:
    """Training fleets after the first STORAGE_FLEET_POLICIES: each holds its checkpoint policy in its own stack."""
    return {f.spec.name for f in _training(fleets)[STORAGE_FLEET_POLICIES:]}


def inference(spec: Spec, fleets: list[ResolvedFleet]) -> StackCounts | None:
    """InferenceStack (None without served fleets): the load balancer, its security group (ingress inline: its
    peer is a CIDR) and listener; per served fleet a target group, and a listener rule when it has a route.

    Exports: the group's id and the load balancer's full name (fleet stacks, observability); per served fleet its
    target group's ARN (the fleet stack) and full name (observability)."""
    served = serving(spec, fleets)
    if not served:
        return None
    routes = sum(1 for f in served if (f.spec.inference or Inference()).route is not None)
    return StackCounts(StackNames(spec.name).inference, 3 + len(served) + routes, 2 + 2 * len(served), CDK_PARAMETERS)


def predict(spec: Spec, fleets: list[ResolvedFleet]) -> list[StackCounts]:
    """The predicted counts of the stacks that grow with the number of fleets, for a spec that passed the other
    checks (``fleets`` from ultrafleet.planning.fleets.resolve_all), in the order create_stacks adds them."""
    shared = [storage(spec, fleets), inference(spec, fleets), *observability(spec, fleets)]
    return [counts for counts in shared if counts is not None]
