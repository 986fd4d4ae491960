"""Predict, before synth, what the stacks shared by every fleet will hold: their resource, output and parameter
counts and the dashboard's widgets, by the same rules ultrafleet/stacks and ultrafleet/constructs follow.

Only the stacks whose size grows with the number of fleets are predicted: ``<spec>-storage`` (a checkpoint policy
and an export per training fleet), ``<spec>-inference`` (a target group and two exports per served fleet) and
``<spec>-observability`` (a log group, alarms and widgets per fleet). A fleet stack holds one fleet, and the
network stack grows with zones, not fleets. tests/test_stack_quotas.py holds every
number here equal to the synthesized templates; a change to the stacks that breaks it must change this module too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.network_policy import LUSTRE_TCP_PORTS
from ultrafleet.planning.node_lifecycle import has_termination_hook
from ultrafleet.planning.scheduler import scheduled
from ultrafleet.spec.models import AccessLogging, Inference, Role, Spec

CDK_PARAMETERS = 1
"""Every stack's BootstrapVersion parameter (the CDK's default synthesizer)."""


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


def _training(fleets: list[ResolvedFleet]) -> list[ResolvedFleet]:
    return [f for f in fleets if f.spec.role is Role.TRAINING]


def serving(spec: Spec, fleets: list[ResolvedFleet]) -> list[ResolvedFleet]:
    """Inference fleets behind the load balancer (those no scheduler owns), as ultrafleet.stacks picks them."""
    return [f for f in fleets if f.spec.role is Role.INFERENCE and not scheduled(spec, f.spec)]


def storage(spec: Spec, fleets: list[ResolvedFleet]) -> StackCounts:
    """StorageStack: the key, CheckpointBucket (two buckets, their policies, a trail for CloudTrail data events),
    one CfnManagedPolicy per training fleet, the Express bucket and Lustre when asked (both need a training fleet).

    Exports: each training fleet's policy, the bucket's name (the fleets' boot scripts), the access-log bucket (the
    load balancer's logs), Lustre's client group, DNS name and mount name, and the Express bucket's name and ARN
    with the key's ARN (ExpressCheckpointBucket.grant_fleet)."""
    settings = spec.storage
    training = _training(fleets)
    placed = bool(training)  # Lustre and Express go in the first training fleet's zone (storage.lustre_zone)
    resources = 1 + 4 + len(training)
    if settings.checkpoint_bucket.access_logging is not AccessLogging.SERVER_ACCESS_LOGS:
        resources += 1
    outputs = len(training) + (1 if training else 0) + (1 if serving(spec, fleets) else 0)
    if settings.express_bucket and placed:
        resources += 1
        outputs += 3
    if settings.lustre and placed:
        # two groups; per Lustre port range three rules on the servers' group and one on the clients'; with EFA
        # all traffic both ways within the servers' group and between the groups; the file system, its association
        rules = 4 * len(LUSTRE_TCP_PORTS) + (6 if settings.lustre.efa else 0)
        resources += 2 + rules + 2
        outputs += 3
    return StackCounts(f"{spec.name}-storage", resources, outputs, CDK_PARAMETERS)


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


def observability(spec: Spec, fleets: list[ResolvedFleet]) -> StackCounts:
    """ObservabilityStack: the alarm topic and its policy, the dashboard, the logs key; per fleet a log group and
    its alarms; per fleet a row of widgets."""
    served = {f.spec.name for f in serving(spec, fleets)}
    resources = 4 + sum(1 + _fleet_alarms(spec, f, f.spec.name in served) for f in fleets)
    widgets = sum(_fleet_widgets(f, f.spec.name in served) for f in fleets)
    return StackCounts(f"{spec.name}-observability", resources, 0, CDK_PARAMETERS, dashboard_widgets=widgets)


def inference(spec: Spec, fleets: list[ResolvedFleet]) -> StackCounts | None:
    """InferenceStack (None without served fleets): the load balancer, its security group (ingress inline: its
    peer is a CIDR) and listener; per served fleet a target group, and a listener rule when it has a route.

    Exports: the group's id and the load balancer's full name (fleet stacks, observability); per served fleet its
    target group's ARN (the fleet stack) and full name (observability)."""
    served = serving(spec, fleets)
    if not served:
        return None
    routes = sum(1 for f in served if (f.spec.inference or Inference()).route is not None)
    return StackCounts(f"{spec.name}-inference", 3 + len(served) + routes, 2 + 2 * len(served), CDK_PARAMETERS)


def predict(spec: Spec, fleets: list[ResolvedFleet]) -> list[StackCounts]:
    """The predicted counts of the stacks that grow with the number of fleets, for a spec that passed the other
    checks (``fleets`` from ultrafleet.planning.fleets.resolve_all), in the order create_stacks adds them."""
    shared = [storage(spec, fleets), inference(spec, fleets), observability(spec, fleets)]
    return [counts for counts in shared if counts is not None]
