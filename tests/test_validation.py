"""Spec validation: every rule with its exact message, valid and invalid boundaries."""

from __future__ import annotations

import pytest

from conftest import fleet, spec_dict
from ultrafleet.findings import Level, SpecError
from ultrafleet.spec import parse_spec
from ultrafleet.spec.models import PlacementStrategy
from ultrafleet.validation import validate


def findings_of(data) -> list[str]:
    try:
        return [str(f) for f in validate(parse_spec(data))]
    except SpecError as exc:
        return [str(f) for f in exc.findings]


LUSTRE = {"deployment_type": "PERSISTENT_2", "storage_capacity_gib": 4800, "throughput_mb_s_per_tib": 250}

CASES = {
    "lustre capacity": (
        spec_dict(storage={"lustre": {**LUSTRE, "storage_capacity_gib": 3000}}),
        "error UF-STO-001 storage.lustre.storage_capacity_gib: 3000 is not allowed; use 1200, 2400 or a multiple "
        "of 2400 (next valid: 4800)",
    ),
    "persistent throughput": (
        spec_dict(storage={"lustre": {**LUSTRE, "throughput_mb_s_per_tib": 200}}),
        "error UF-STO-002 storage.lustre.throughput_mb_s_per_tib: 200 is not allowed for PERSISTENT_2; use 125, "
        "250, 500 or 1000",
    ),
    "scratch throughput": (
        spec_dict(storage={"lustre": {**LUSTRE, "deployment_type": "SCRATCH_2"}}),
        "error UF-STO-003 storage.lustre.throughput_mb_s_per_tib: 250: only PERSISTENT_2 takes a per-unit "
        "throughput (SCRATCH_2 has a fixed baseline: 200 MB/s/TiB read, 100 write); remove it",
    ),
    "ia too early": (
        spec_dict(storage={"checkpoint_bucket": {"transition": {"storage_class": "STANDARD_IA", "after_days": 29}}}),
        "error UF-STO-004 storage.checkpoint_bucket.transition.after_days: 29: S3 transitions to STANDARD_IA only "
        "after 30 days; use 30 or more, or INTELLIGENT_TIERING / GLACIER_IR, which have no minimum",
    ),
    "expire before transition": (
        spec_dict(storage={"checkpoint_bucket": {"expire_checkpoints_after_days": 30}}),
        "error UF-STO-005 storage.checkpoint_bucket.expire_checkpoints_after_days: 30: must come after the "
        "transition at 30 days (S3 rejects the rule otherwise); use 31 or more",
    ),
    "drain to missing lustre": (
        spec_dict(storage={"nvme_cache": {"drain_target": "lustre"}}),
        "error UF-STO-006 storage.nvme_cache.drain_target: lustre: the spec has no storage.lustre; add one or "
        "drain to s3",
    ),
    "lustre without training": (
        spec_dict(fleets=[fleet(role="inference")], storage={"lustre": LUSTRE}),
        "error UF-STO-007 storage.lustre: Lustre is placed next to the training fleets, and the spec has none; add "
        "a training fleet or remove storage.lustre",
    ),
    "checkpoint both sizes": (
        spec_dict(storage={"checkpoint": {"model_parameters_billion": 70, "size_gb": 100}}),
        "error UF-STO-009 storage.checkpoint: set exactly one of model_parameters_billion (with "
        "bytes_per_parameter, optimizer_state) or size_gb",
    ),
    "unknown type with suggestion": (
        spec_dict(fleets=[fleet(instance_type="p6-b200.48xlarg")]),
        "error UF-TYPE-001 fleets[0].instance_type: 'p6-b200.48xlarg' is not a known instance type; "
        "did you mean 'p6-b200.48xlarge'?",
    ),
    "unknown ultraserver": (
        spec_dict(
            fleets=[
                {
                    "name": "ultra",
                    "role": "training",
                    "ultraserver_type": "u-p6e-gb200x73",
                    "ultraserver_count": 1,
                    "capacity": {"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0"},
                }
            ]
        ),
        "error UF-TYPE-001 fleets[0].ultraserver_type: 'u-p6e-gb200x73' is not a known UltraServer type; "
        "did you mean 'u-p6e-gb200x72'?",
    ),
    "both type and ultraserver": (
        spec_dict(fleets=[fleet(ultraserver_type="u-trn2x64")]),
        "error UF-TYPE-002 fleets[0]: set exactly one of instance_type (with count) or ultraserver_type "
        "(with ultraserver_count)",
    ),
    "count on ultraserver": (
        spec_dict(
            fleets=[
                {
                    "name": "ultra",
                    "role": "training",
                    "ultraserver_type": "u-trn2x64",
                    "count": 4,
                    "capacity": {"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0"},
                }
            ]
        ),
        "error UF-TYPE-003 fleets[0].count: 4: an UltraServer fleet is sized in whole UltraServers; remove count "
        "and set ultraserver_count",
    ),
    "missing count": (
        spec_dict(fleets=[{"name": "train", "role": "training", "instance_type": "p5.48xlarge"}]),
        "error UF-TYPE-004 fleets[0].count: is required with instance_type (1 or more instances)",
    ),
    "efa on inf2": (
        spec_dict(fleets=[fleet(instance_type="inf2.48xlarge", efa=True)]),
        "error UF-EFA-001 fleets[0].efa: true: inf2.48xlarge has no EFA; set efa: false or choose an EFA type "
        "(e.g. g7e.8xlarge or larger, p5/p6, trn1/trn2)",
    ),
    "efa on small g7e": (
        spec_dict(fleets=[fleet(instance_type="g7e.2xlarge", efa=True, role="inference")]),
        "error UF-EFA-001 fleets[0].efa: true: g7e.2xlarge has no EFA; set efa: false or choose an EFA type "
        "(e.g. g7e.8xlarge or larger, p5/p6, trn1/trn2)",
    ),
    "too many extra ENA": (
        spec_dict(fleets=[fleet(instance_type="g7e.48xlarge", extra_ena_interfaces=4)]),
        "error UF-EFA-003 fleets[0].extra_ena_interfaces: 4: g7e.48xlarge has room for 3 extra ENA interfaces "
        "(device 1 of cards 1 and up); use at most 3",
    ),
    "spot training": (
        spec_dict(fleets=[fleet(capacity={"type": "spot"})]),
        "error UF-CAP-001 fleets[0].capacity.type: spot: Spot is for inference fleets only (an interruption stops "
        "a whole training job); use on-demand, capacity-reservation or capacity-block",
    ),
    "ultraserver on demand": (
        spec_dict(
            fleets=[{"name": "ultra", "role": "training", "ultraserver_type": "u-p6e-gb200x72", "ultraserver_count": 1}]
        ),
        "error UF-CAP-002 fleets[0].capacity.type: on-demand: UltraServers (u-p6e-gb200x72) are sold only as "
        "Capacity Blocks; use capacity-block with the block's reservation_id",
    ),
    "ultraserver-only type by instance": (
        spec_dict(
            fleets=[
                fleet(
                    instance_type="p6e-gb200.36xlarge",
                    count=18,
                    capacity={"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0"},
                )
            ]
        ),
        "error UF-CAP-003 fleets[0].instance_type: p6e-gb200.36xlarge is sold only inside UltraServers; set "
        "ultraserver_type (u-p6e-gb200x36 or u-p6e-gb200x72) and ultraserver_count",
    ),
    "capacity block on g7e": (
        spec_dict(
            fleets=[
                fleet(
                    instance_type="g7e.48xlarge",
                    capacity={"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0"},
                )
            ]
        ),
        "error UF-CAP-004 fleets[0].capacity.type: capacity-block: g7e.48xlarge is not offered as a Capacity "
        "Block; use on-demand or capacity-reservation",
    ),
    "capacity block over 64": (
        spec_dict(
            fleets=[fleet(count=65, capacity={"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0"})]
        ),
        "error UF-CAP-005 fleets[0].count: 65: a Capacity Block holds at most 64 instances; split the fleet "
        "across blocks (one fleet each)",
    ),
    "zone not in spec": (
        spec_dict(fleets=[fleet(availability_zones=["us-east-1c"])]),
        "error UF-PLC-001 fleets[0].availability_zones: 'us-east-1c' is not among the spec's availability_zones "
        "(us-east-1a, us-east-1b); add it there or pick one of them",
    ),
    "efa across zones": (
        spec_dict(
            fleets=[fleet(availability_zones=["us-east-1a", "us-east-1b"], efa=True, placement={"strategy": "spread"})]
        ),
        "error UF-PLC-002 fleets[0].availability_zones: ['us-east-1a', 'us-east-1b']: EFA traffic cannot cross "
        "availability zones; give an EFA fleet one zone, or set efa: false",
    ),
    "cluster across zones": (
        spec_dict(
            fleets=[
                fleet(
                    role="inference",
                    instance_type="g7e.4xlarge",
                    availability_zones=["us-east-1a", "us-east-1b"],
                    placement={"strategy": "cluster"},
                )
            ]
        ),
        "error UF-PLC-003 fleets[0].availability_zones: ['us-east-1a', 'us-east-1b']: a cluster placement group "
        "lives in one zone; use one zone or placement.strategy: spread",
    ),
    # with a checkpoint to plan: the plan leaves out what contradicts, validation names it (it used to crash)
    "drain to missing lustre with a checkpoint": (
        spec_dict(storage={"checkpoint": {"size_gb": 100}, "nvme_cache": {"drain_target": "lustre"}}),
        "error UF-STO-006 storage.nvme_cache.drain_target: lustre: the spec has no storage.lustre; add one or drain "
        "to s3",
    ),
    "drain to missing express bucket with a checkpoint": (
        spec_dict(storage={"checkpoint": {"size_gb": 100}, "nvme_cache": {"drain_target": "express"}}),
        "error UF-STO-012 storage.nvme_cache.drain_target: express: the spec has no storage.express_bucket; add "
        "`express_bucket: {}` or drain to s3",
    ),
    "checkpoint without a size": (
        spec_dict(storage={"checkpoint": {}}),
        "error UF-STO-009 storage.checkpoint: set exactly one of model_parameters_billion (with bytes_per_parameter, "
        "optimizer_state) or size_gb",
    ),
    "partition count with cluster": (
        spec_dict(fleets=[fleet(placement={"strategy": "cluster", "partition_count": 3})]),
        "error UF-PLC-004 fleets[0].placement.partition_count: 3 contradicts placement.strategy 'cluster'; set "
        "strategy: partition or remove partition_count",
    ),
    "partition count with spread": (
        spec_dict(fleets=[fleet(count=2, placement={"strategy": "spread", "partition_count": 7})]),
        "error UF-PLC-004 fleets[0].placement.partition_count: 7 contradicts placement.strategy 'spread'; set "
        "strategy: partition or remove partition_count",
    ),
    "ami without architecture": (
        spec_dict(fleets=[fleet(ami={"id": "ami-0123456789abcdef0"})]),
        "error UF-AMI-002 fleets[0].ami.architecture: is required with ami.id (ami-0123456789abcdef0): set x86_64 "
        "for p5.48xlarge",
    ),
    "x86 ami on gb200": (
        spec_dict(
            fleets=[
                {
                    "name": "ultra",
                    "role": "training",
                    "ultraserver_type": "u-p6e-gb200x36",
                    "ultraserver_count": 1,
                    "ami": {"id": "ami-0123456789abcdef0", "architecture": "x86_64"},
                    "capacity": {"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0"},
                }
            ]
        ),
        "error UF-AMI-003 fleets[0].ami.architecture: x86_64: p6e-gb200.36xlarge is arm64; use an arm64 AMI",
    ),
    "subnet too small": (
        spec_dict(network={"subnet_prefix_length": 28}, fleets=[fleet(count=20, extra_ena_interfaces=1)]),
        "error UF-NET-001 network.subnet_prefix_length: 28: a /28 subnet has 11 usable addresses but the fleets "
        "need 40 in one zone; use /26 or larger",
    ),
    "vpc too small": (
        spec_dict(network={"vpc_cidr": "10.0.0.0/24"}),
        "error UF-NET-002 network.vpc_cidr: 10.0.0.0/24: 2 zones of /24 private and /26 public subnets need 640 "
        "addresses, the VPC has 256; use a larger VPC CIDR",
    ),
    "duplicate names": (
        spec_dict(fleets=[fleet(), fleet()]),
        "error UF-SPEC-010 fleets[1].name: 'train' is used by an earlier fleet; fleet names must be unique",
    ),
    "unknown field": (
        spec_dict(fleets=[fleet(instance_typ="p5.48xlarge")]),
        "error UF-SPEC-002 fleets[0].instance_typ: is not a known field; remove it or check its spelling",
    ),
    "bad capacity type": (
        spec_dict(fleets=[fleet(capacity={"type": "reserved"})]),
        "error UF-SPEC-004 fleets[0].capacity.type: 'reserved' is not a capacity type; use on-demand, "
        "capacity-reservation, capacity-block or spot",
    ),
    "bad reservation id": (
        spec_dict(fleets=[fleet(capacity={"type": "capacity-block", "reservation_id": "cb-123"})]),
        "error UF-SPEC-001 fleets[0].capacity.reservation_id: 'cb-123': is not a Capacity Reservation id; use "
        "the cr-... id of the reservation or Capacity Block",
    ),
    "bad name": (
        spec_dict(name="Frontier_1"),
        "error UF-SPEC-001 name: 'Frontier_1': use 2-32 lowercase letters, digits and hyphens, starting with a "
        "letter (it prefixes stack and resource names)",
    ),
    "missing name": (
        {k: v for k, v in spec_dict().items() if k != "name"},
        "error UF-SPEC-003 name: is required",
    ),
    "bad zone": (
        spec_dict(availability_zones=["useast1a"]),
        "error UF-SPEC-001 availability_zones: ['useast1a']: 'useast1a' is not a zone name such as us-east-1a "
        "or us-east-1-dfw-2a",
    ),
    "vpc cidr too large": (
        spec_dict(network={"vpc_cidr": "10.0.0.0/8"}),
        "error UF-SPEC-001 network.vpc_cidr: '10.0.0.0/8': a VPC CIDR must be /16 to /24 (AWS limit), not /8",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_spec_gets_exact_error(case):
    data, expected = CASES[case]
    assert findings_of(data) == [expected]


def test_efa_switched_off_on_capable_type_is_a_warning_only():
    findings = validate(parse_spec(spec_dict(fleets=[fleet(efa=False)])))
    assert [(f.level, str(f)) for f in findings] == [
        (
            Level.WARNING,
            "warning UF-EFA-002 fleets[0].efa: false: p5.48xlarge supports 32 EFA interfaces; collective traffic will "
            "use TCP over ENA",
        )
    ]


@pytest.mark.parametrize(("count", "ok"), [(1, True), (64, True), (65, False)])
def test_capacity_block_size_boundary(count, ok):
    data = spec_dict(
        fleets=[fleet(count=count, capacity={"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0"})]
    )
    assert (findings_of(data) == []) is ok


@pytest.mark.parametrize(("prefix", "ok"), [(26, True), (27, False)])
def test_subnet_prefix_boundary(prefix, ok):
    # 20 instances x 2 ENA = 40 addresses: /26 holds 59, /27 holds 27
    data = spec_dict(network={"subnet_prefix_length": prefix}, fleets=[fleet(count=20, extra_ena_interfaces=1)])
    assert (findings_of(data) == []) is ok


@pytest.mark.parametrize(("value", "ok"), [(15, False), (16, True), (28, True), (29, False)])
def test_subnet_prefix_field_range(value, ok):
    data = spec_dict(network={"subnet_prefix_length": value})
    try:
        parse_spec(data)
        parsed = True
    except SpecError as exc:
        assert [f.path for f in exc.findings] == ["network.subnet_prefix_length"]
        parsed = False
    assert parsed is ok


def test_all_errors_are_reported_together():
    data = spec_dict(fleets=[fleet(instance_type="inf2.48xlarge", efa=True, capacity={"type": "spot"})])
    assert [s.split(" ")[1] for s in findings_of(data)] == ["UF-EFA-001", "UF-CAP-001"]


def test_multi_zone_inference_infers_no_efa_and_no_placement_group():
    spec = parse_spec(
        spec_dict(
            fleets=[
                fleet(role="inference", instance_type="g7e.48xlarge", availability_zones=["us-east-1a", "us-east-1b"])
            ]
        )
    )
    from ultrafleet.planning.fleets import resolve

    resolved = resolve(spec, 0)
    assert (validate(spec), resolved.efa, resolved.placement_strategy) == ([], False, None)


@pytest.mark.parametrize("zones", [["us-east-1a"], ["us-east-1a", "us-east-1b"]])
def test_partition_count_alone_infers_the_partition_strategy(zones):
    spec = parse_spec(
        spec_dict(
            fleets=[
                fleet(
                    role="inference",
                    instance_type="g7e.48xlarge",
                    availability_zones=zones,
                    placement={"partition_count": 3},
                )
            ]
        )
    )
    from ultrafleet.planning.fleets import resolve

    assert (validate(spec), resolve(spec, 0).placement_strategy) == ([], PlacementStrategy.PARTITION)


@pytest.mark.parametrize(("gib", "ok"), [(1200, True), (2400, True), (3600, False), (4800, True), (1199, None)])
def test_lustre_capacity_boundaries(gib, ok):
    findings = findings_of(spec_dict(storage={"lustre": {**LUSTRE, "storage_capacity_gib": gib}}))
    if ok is None:  # below the field minimum: a structural error
        assert [f.split(" ")[1] for f in findings] == ["UF-SPEC-001"]
    else:
        assert (findings == []) is ok


@pytest.mark.parametrize(("days", "ok"), [(29, False), (30, True)])
def test_standard_ia_transition_boundary(days, ok):
    data = spec_dict(
        storage={"checkpoint_bucket": {"transition": {"storage_class": "STANDARD_IA", "after_days": days}}}
    )
    assert (findings_of(data) == []) is ok


def test_intelligent_tiering_may_transition_at_once():
    data = spec_dict(
        storage={"checkpoint_bucket": {"transition": {"storage_class": "INTELLIGENT_TIERING", "after_days": 0}}}
    )
    assert findings_of(data) == []


def test_lustre_far_from_a_training_fleet_is_a_warning():
    fleets = [fleet(), fleet(name="other", availability_zones=["us-east-1b"])]
    findings = validate(parse_spec(spec_dict(fleets=fleets, storage={"lustre": LUSTRE})))
    assert [str(f) for f in findings] == [
        "warning UF-STO-008 storage.lustre: Lustre is placed in us-east-1a; training fleets other (us-east-1b) reach "
        "it across zones (higher latency, inter-zone data charges)"
    ]
