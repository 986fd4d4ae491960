"""The deployment plan: its contents for the reference spec, its resolved defaults, and that it is computed once
(validation, the CLI and create_stacks take it from one ``planning.plan`` call)."""

from __future__ import annotations

import json
import re
from collections import Counter
from unittest import mock

import pytest
import yaml
from typer.testing import CliRunner

from conftest import ROOT, spec_dict
from ultrafleet.planning import DeploymentPlan, plan
from ultrafleet.planning.cost import plan_cost
from ultrafleet.planning.lustre import DEFAULT_PERSISTENT_2_MB_S_PER_TIB, PERSISTENT_2_THROUGHPUTS
from ultrafleet.planning.network import SubnetPlan
from ultrafleet.planning.prices import default_prices
from ultrafleet.planning.stack_counts import StackCounts
from ultrafleet.spec import parse_spec
from ultrafleet.spec.models import PlacementStrategy

GPU_X86 = "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id"
GPU_ARM = "/aws/service/deeplearning/ami/arm64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id"
NEURON = "/aws/service/neuron/dlami/multi-framework/ubuntu-24.04/latest/image_id"


def reference_data() -> dict:
    return yaml.safe_load((ROOT / "specs" / "reference.yaml").read_text())


@pytest.fixture(scope="module")
def reference() -> DeploymentPlan:
    return plan(parse_spec(reference_data()))


def test_reference_plan_fleets(reference):
    rows = [
        (
            f.stack_name,
            f.names.group,
            f.names.log_group,
            f.names.breaker_alarm,
            f.fleet.instance_type.name,
            f.fleet.instances,
            f.fleet.availability_zones,
            f.fleet.efa_interfaces,
            f.fleet.placement_strategy,
            f.fleet.spec.capacity.type,
            f.ami_parameter,
            f.lifecycle.group_size,
            f.checkpoint.first_tier if f.checkpoint else None,
            f.scheduled,
            f.serving,
            tuple(g.name for g in f.network_policy.groups),
        )
        for f in reference.fleets
    ]
    assert rows == [
        (
            "frontier-fleet-pretrain-b200",
            "frontier-pretrain-b200",
            "/ultrafleet/frontier/pretrain-b200",
            "frontier-pretrain-b200-health-breaker",
            "p6-b200.48xlarge",
            32,
            ("us-east-1a",),
            8,
            None,  # a Capacity Block is already placed inside an UltraCluster
            "capacity-block",
            GPU_X86,
            32,
            "nvme",
            False,
            False,
            ("node", "lustre-client", "efa"),
        ),
        (
            "frontier-fleet-gb200-nvl72",
            "frontier-gb200-nvl72",
            "/ultrafleet/frontier/gb200-nvl72",
            "frontier-gb200-nvl72-health-breaker",
            "p6e-gb200.36xlarge",
            18,
            ("us-east-1-dfw-2a",),
            16,
            None,
            "capacity-block",
            GPU_ARM,
            18,
            "nvme",
            False,
            False,
            ("node", "lustre-client", "efa"),
        ),
        (
            "frontier-fleet-trn2-finetune",
            "frontier-trn2-finetune",
            "/ultrafleet/frontier/trn2-finetune",
            "frontier-trn2-finetune-health-breaker",
            "trn2.48xlarge",
            8,
            ("us-east-1b",),
            16,
            PlacementStrategy.CLUSTER,
            "capacity-reservation",
            NEURON,
            8,
            "nvme",
            False,
            False,
            ("node", "lustre-client", "efa"),
        ),
        (
            "frontier-fleet-serve-g7e",
            "frontier-serve-g7e",
            "/ultrafleet/frontier/serve-g7e",
            "frontier-serve-g7e-health-breaker",
            "g7e.12xlarge",
            4,
            ("us-east-1a", "us-east-1b"),
            0,
            None,
            "on-demand",
            GPU_X86,
            4,
            None,
            False,
            True,
            ("node",),
        ),
    ]


def test_reference_plan_shared_parts(reference):
    names = reference.stack_names
    assert (names.network, names.storage, names.inference, names.queues, names.observability) == (
        "frontier-network",
        "frontier-storage",
        "frontier-inference",
        "frontier-queues",
        "frontier-observability",
    )
    assert reference.subnets == SubnetPlan(
        ips_needed_per_az={"us-east-1a": 34, "us-east-1b": 10, "us-east-1-dfw-2a": 18}, private_prefix=24
    )
    lustre = reference.lustre
    assert (lustre.zone, lustre.throughput_mb_s_per_tib, lustre.settings.storage_capacity_gib) == (
        "us-east-1a",
        500,
        48000,
    )
    assert reference.storage.lustre == lustre.settings
    assert (reference.lustre_zone, reference.pcs, dict(reference.pcs_queues)) == ("us-east-1a", None, {})
    assert [f.spec.name for f in reference.serving_fleets] == ["serve-g7e"]
    assert [c.fleet for c in reference.checkpoints] == ["pretrain-b200", "gb200-nvl72", "trn2-finetune"]
    assert reference.stack_counts == (
        StackCounts("frontier-storage", 20, 8, 1, splits=True),
        StackCounts("frontier-inference", 4, 4, 1),
        StackCounts("frontier-observability", 24, 0, 1, dashboard_widgets=21, splits=True),
    )
    assert [[f.fleet.spec.name for f in shard] for shard in reference.observability_shards] == [
        ["pretrain-b200", "gb200-nvl72", "trn2-finetune", "serve-g7e"]
    ]
    assert [f.own_checkpoint_policy for f in reference.fleets] == [False] * 4


def test_pcs_queues_and_queue_names_are_planned(root):
    deployment = plan(parse_spec(yaml.safe_load((root / "specs" / "slurm-pcs.yaml").read_text())))
    assert deployment.pcs is not None
    own = {f.fleet.spec.name: f.queue_name for f in deployment.fleets}
    queues = {q: list(m) for q, m in deployment.pcs_queues.items()}
    if deployment.pcs.queues is None:  # one queue per fleet, each created by its fleet's stack
        assert (own, queues) == ({n: n for n in own}, {n: [n] for n in own})
    else:  # queues of several fleets, in the queues stack
        assert (set(own.values()), queues) == ({None}, deployment.pcs.queues)
    assert all(f.scheduled and not f.serving for f in deployment.fleets)


def _lustre_spec(**lustre) -> dict:
    return spec_dict(
        storage={"lustre": {"storage_capacity_gib": 2400, **lustre}, "checkpoint": {"size_gb": 100}},
    )


def test_lustre_throughput_defaults_to_250_for_persistent_2():
    deployment = plan(parse_spec(_lustre_spec(deployment_type="PERSISTENT_2")))
    assert DEFAULT_PERSISTENT_2_MB_S_PER_TIB == 250 and 250 in PERSISTENT_2_THROUGHPUTS
    assert (deployment.lustre.throughput_mb_s_per_tib, deployment.storage.lustre.throughput_mb_s_per_tib) == (250, 250)
    lustre_tier = next(t for t in deployment.checkpoints[0].tiers if t.tier == "lustre")
    assert lustre_tier.limits[0].source.startswith("2,400 GiB (2.3 TiB) x 250 MB/s/TiB = 0.6 GB/s")
    cost = plan_cost(deployment.spec, deployment.resolved_fleets, default_prices("us-east-1"))
    assert [line.item for line in cost.shared if "Lustre" in line.item] == ["FSx for Lustre PERSISTENT_2/250"]


def test_scratch_lustre_has_no_per_unit_throughput():
    deployment = plan(parse_spec(_lustre_spec(deployment_type="SCRATCH_2")))
    assert (deployment.lustre.throughput_mb_s_per_tib, deployment.storage.lustre.throughput_mb_s_per_tib) == (
        None,
        None,
    )
    lustre_tier = next(t for t in deployment.checkpoints[0].tiers if t.tier == "lustre")
    assert "x 100 MB/s/TiB" in lustre_tier.limits[0].source  # SCRATCH_2's write baseline


def _counting():
    """Patches that count what the plan computes: fleets resolved, subnet plans, checkpoint plans, stack counts;
    each counted where every caller reaches it (the modules' own globals)."""
    import ultrafleet.planning.checkpoint as checkpoint
    import ultrafleet.planning.fleets as fleets
    import ultrafleet.planning.network as network
    import ultrafleet.planning.stack_counts as stack_counts

    calls: Counter = Counter()

    def counted(module, name):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        return mock.patch.object(module, name, wrapper)

    patches = [
        counted(fleets, "resolve"),
        counted(network, "ips_needed_per_az"),
        counted(checkpoint, "plan_fleet"),
        counted(stack_counts, "observability"),
    ]
    return calls, patches


def test_create_stacks_plans_once_and_hands_the_parts_to_the_stacks():
    import ultrafleet.stacks as stacks

    spec = parse_spec(_lustre_spec(deployment_type="PERSISTENT_2"))
    calls, patches = _counting()
    fakes = {
        name: mock.patch.object(stacks, name)
        for name in (
            "NetworkStack",
            "StorageStack",
            "InferenceStack",
            "FleetStack",
            "QueueStack",
            "add_observability",
            "govern",
        )
    }
    with mock.patch.object(stacks.cdk, "Tags"):
        for p in patches:
            p.start()
        started = {name: p.start() for name, p in fakes.items()}
        try:
            stacks.create_stacks(mock.MagicMock(), spec)
        finally:
            mock.patch.stopall()
    assert calls == {"resolve": 1, "ips_needed_per_az": 1, "plan_fleet": 1, "observability": 1}
    storage = started["StorageStack"].call_args.kwargs
    assert (storage["stack_name"], storage["lustre_zone"], storage["storage"].lustre.throughput_mb_s_per_tib) == (
        "demo-storage",
        "us-east-1a",
        DEFAULT_PERSISTENT_2_MB_S_PER_TIB,
    )
    fleet = started["FleetStack"].call_args.kwargs
    assert (fleet["stack_name"], fleet["names"].group, fleet["lifecycle"].group_size, fleet["queue_name"]) == (
        "demo-fleet-train",
        "demo-train",
        2,
        None,
    )
    assert fleet["storage_spec"] is storage["storage"]
    assert started["NetworkStack"].call_args.kwargs["subnets"].private_prefix == 24


@pytest.mark.parametrize(("args", "name", "environments"), [([], "frontier", 3), (["--env", "dev"], "frontier-dev", 1)])
def test_cli_plan_plans_once_per_environment(args, name, environments):
    from ultrafleet.cli.commands import app

    calls, patches = _counting()
    for p in patches:
        p.start()
    try:
        result = CliRunner().invoke(app, ["plan", str(ROOT / "specs" / "reference.yaml"), "--json", *args])
    finally:
        mock.patch.stopall()
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["spec"], data["lustre"]) == (
        name,
        {
            "zone": "us-east-1a",
            "deployment_type": "PERSISTENT_2",
            "storage_capacity_gib": 48000,
            "throughput_mb_s_per_tib": 500,
        },
    )
    assert calls == {
        "resolve": 4 * environments,
        "ips_needed_per_az": environments,
        "plan_fleet": 3 * environments,
        "observability": environments,
    }


PLANNERS = r"\b(resolve_all|plan_subnets|plan_checkpoints|plan_all|plan_network_policy|plan_lustre|predict)\("


def test_only_the_deployment_plan_calls_the_planners():
    """Every other module takes the plan's parts; the planners' own modules define them (``def``)."""
    callers = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "ultrafleet").rglob("*.py")
        for line in path.read_text().splitlines()
        if re.search(PLANNERS, line) and not line.lstrip().startswith("def ")
    }
    # stack_quotas predicts smaller specs (a prefix of the fleets) to say how many fleets fit a stack
    assert callers == {"ultrafleet/planning/deployment_plan.py", "ultrafleet/validation/stack_quotas.py"}
