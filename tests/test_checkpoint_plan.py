"""The checkpoint planner's arithmetic on worked examples."""

from __future__ import annotations

import pytest

from conftest import spec_dict
from ultrafleet.planning.checkpoint import plan_checkpoints
from ultrafleet.planning.fleets import resolve_all
from ultrafleet.spec import parse_spec


def plan(storage, fleet=None):
    fleet = fleet or {"name": "train", "role": "training", "instance_type": "p6-b200.48xlarge", "count": 32}
    spec = parse_spec(spec_dict(fleets=[fleet], storage=storage))
    (result,) = plan_checkpoints(spec, resolve_all(spec))
    return result, {t.tier: t for t in result.tiers}


ONE_T = {"model_parameters_billion": 1000, "bytes_per_parameter": 2, "optimizer_state": True}
LUSTRE = {"deployment_type": "PERSISTENT_2", "storage_capacity_gib": 48000, "throughput_mb_s_per_tib": 500}


def test_one_trillion_parameters_on_32_p6_b200_nodes():
    result, tiers = plan({"checkpoint": ONE_T, "lustre": LUSTRE, "nvme_cache": {"write_gb_s_per_node": 10}})
    # 1e12 x (2 + 12) bytes = 14,000 GB
    assert result.checkpoint_size_gb == 14000
    # NVMe: 32 x 10 GB/s = 320 GB/s -> 43.75 s; Lustre: 48000/1024 TiB x 500 MB/s = 23.4375 GB/s -> 597.33 s
    assert (tiers["nvme"].bandwidth_gb_s, tiers["nvme"].write_seconds) == (320, 43.75)
    assert tiers["lustre"].bandwidth_gb_s == pytest.approx(23.4375)
    assert tiers["lustre"].write_seconds == pytest.approx(597.333, abs=1e-3)
    # S3 ceiling: 32 x 200 Gbps on card 0 / 8 = 800 GB/s
    assert (tiers["s3"].bandwidth_gb_s, tiers["s3"].write_seconds) == (800, 17.5)
    assert (result.first_tier, result.meets_target, result.suggestion) == ("nvme", True, None)
    assert tiers["nvme"].explanation == (
        "32 nodes x 10 GB/s measured NVMe write = 320.0 GB/s; 438 GB per node of 30,400 GB instance store"
    )


def test_weights_only_checkpoint_is_bytes_per_parameter():
    result, _ = plan({"checkpoint": {**ONE_T, "optimizer_state": False}})
    assert (result.checkpoint_size_gb, result.size_explanation) == (
        2000,
        "1000B parameters x (2 weight) bytes = 2,000 GB",
    )


def test_explicit_size_wins():
    result, _ = plan({"checkpoint": {"size_gb": 750}})
    assert (result.checkpoint_size_gb, result.size_explanation) == (750, "750 GB given in storage.checkpoint.size_gb")


def test_unknown_nvme_bandwidth_is_said_and_lustre_is_judged_instead():
    result, tiers = plan({"checkpoint": ONE_T, "lustre": LUSTRE})
    assert (tiers["nvme"].bandwidth_gb_s, result.meets_target) == (None, None)
    assert result.suggestion == (
        "measure the NVMe write bandwidth and set storage.nvme_cache.write_gb_s_per_node; without NVMe, Lustre "
        "(597 s) misses the target: set storage.lustre.throughput_mb_s_per_tib to 1000 (needs 46.7 GB/s)"
    )


def test_nvme_first_when_the_type_has_it_but_the_spec_switched_it_off():
    result, tiers = plan({"checkpoint": ONE_T, "lustre": LUSTRE, "nvme_cache": None})
    assert "nvme" not in tiers
    assert (result.first_tier, result.meets_target) == ("lustre", False)
    assert result.suggestion == "enable storage.nvme_cache: write to local NVMe first and drain in the background"


def test_lustre_capacity_grows_when_throughput_alone_cannot_meet_the_target():
    fleet = {"name": "train", "role": "training", "instance_type": "inf2.48xlarge", "count": 32}
    small = {"deployment_type": "PERSISTENT_2", "storage_capacity_gib": 2400, "throughput_mb_s_per_tib": 125}
    result, tiers = plan({"checkpoint": {"size_gb": 6000}, "lustre": small, "nvme_cache": None}, fleet)
    # 2400 GiB = 2.34 TiB x 125 = 293 MB/s; 6000 GB in 300 s needs 20 GB/s -> 20,000 GiB at 1000 -> 21,600 GiB
    assert tiers["lustre"].bandwidth_gb_s == pytest.approx(0.29297, abs=1e-4)
    assert result.suggestion == ("set storage.lustre.storage_capacity_gib to 21,600 at 1000 MB/s/TiB (needs 20.0 GB/s)")


def test_scratch_2_baseline_throughput():
    scratch = {"deployment_type": "SCRATCH_2", "storage_capacity_gib": 2400}
    _, tiers = plan({"checkpoint": {"size_gb": 100}, "lustre": scratch})
    # 2400 GiB = 2.34375 TiB x 200 MB/s/TiB = 468.75 MB/s
    assert tiers["lustre"].bandwidth_gb_s == pytest.approx(0.46875)


def test_nvme_bound_fleet_suggests_more_nodes():
    fleet = {"name": "train", "role": "training", "instance_type": "p5.48xlarge", "count": 2}
    result, _ = plan({"checkpoint": {"size_gb": 6000}, "nvme_cache": {"write_gb_s_per_node": 5}}, fleet)
    # 2 x 5 GB/s = 10 GB/s -> 600 s; 6000 GB / 300 s / 5 GB/s = 4 nodes
    assert (result.meets_target, result.suggestion) == (
        False,
        "NVMe is fixed per node: write from at least 4 nodes, or shard less per node",
    )


def test_only_training_fleets_are_planned_and_none_without_a_checkpoint():
    spec = parse_spec(
        spec_dict(
            fleets=[{"name": "serve", "role": "inference", "instance_type": "g7e.48xlarge", "count": 2}],
            storage={"checkpoint": {"size_gb": 10}},
        )
    )
    assert plan_checkpoints(spec, resolve_all(spec)) == []
    spec = parse_spec(spec_dict())
    assert plan_checkpoints(spec, resolve_all(spec)) == []
