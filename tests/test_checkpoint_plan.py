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
    assert tiers["lustre"].binding_limit == "Lustre file system write"
    # Lustre clients: 32 x min(100 Gbps FSx per client over TCP, 200 Gbps card 0) / 8 = 400 GB/s, not binding
    assert [limit.gb_s for limit in tiers["lustre"].limits] == [pytest.approx(23.4375), 400]
    # S3: 32 x 200 Gbps card 0 / 8 = 800 GB/s binds; 32 prefixes x 3,500 PUT/s x 64 MiB = 7,516 GB/s does not
    assert (tiers["s3"].bandwidth_gb_s, tiers["s3"].write_seconds, tiers["s3"].binding_limit) == (
        800,
        17.5,
        "client upload",
    )
    assert tiers["s3"].limits[1].gb_s == pytest.approx(32 * 3500 * 64 * 1.048576 / 1000)
    assert (result.first_tier, result.meets_target, result.suggestion) == ("nvme", True, None)
    assert tiers["nvme"].explanation == (
        "NVMe write 320.0 GB/s (32 nodes x 10 GB/s measured (storage.nvme_cache.write_gb_s_per_node)); "
        "438 GB per node of 30,400 GB instance store"
    )
    # GPUs wait for NVMe; durable once the drain has copied it to S3 after the write
    assert (result.gpu_wait_seconds, result.durable_seconds) == (43.75, 61.25)
    assert result.durable_explanation == "NVMe write 44 s, then the drain to s3 18 s = 61 s"


def test_every_limit_names_its_source():
    _, tiers = plan({"checkpoint": ONE_T, "lustre": LUSTRE, "nvme_cache": {"write_gb_s_per_node": 10}})
    assert "ssd-storage.html" in tiers["lustre"].limits[0].source
    assert "performance.html#throughput-clients" in tiers["lustre"].limits[1].source
    assert "3,500 PUT/COPY/POST/DELETE and 5,500 GET/HEAD per second per partitioned prefix" in (
        tiers["s3"].limits[1].source
    )
    upload = tiers["s3"].limits[0].source
    assert "target_bandwidth" in upload and "DescribeInstanceTypes" in upload


def test_unmeasured_nvme_says_which_metric_to_read_and_durable_is_unknown():
    result, tiers = plan({"checkpoint": ONE_T})
    assert (tiers["nvme"].bandwidth_gb_s, tiers["nvme"].write_seconds) == (None, None)
    assert tiers["nvme"].explanation.startswith(
        "NVMe write: not measured: read the metric ultrafleet NvmeWriteGBps published by the boot fio test and set "
        "storage.nvme_cache.write_gb_s_per_node"
    )
    assert (result.gpu_wait_seconds, result.durable_seconds) == (None, None)
    assert result.durable_explanation == "unknown until the nvme tier is: NVMe write"


def test_express_bucket_as_the_drain_target():
    storage = {
        "checkpoint": {**ONE_T, "optimizer_state": False},
        "express_bucket": {},
        "nvme_cache": {"write_gb_s_per_node": 5, "drain_target": "express"},
    }
    fleet = {"name": "train", "role": "training", "instance_type": "p6-b200.48xlarge", "count": 2}
    result, tiers = plan(storage, fleet)
    # NVMe 2 x 5 = 10 GB/s -> 200 s; express: 2 x 25 GB/s = 50 GB/s (the bucket's 100,000 PUT/s x 64 MiB is 6,711)
    assert tiers["express"].bandwidth_gb_s == 50
    assert tiers["express"].limits[1].gb_s == pytest.approx(100_000 * 64 * 1.048576 / 1000)
    assert (result.gpu_wait_seconds, result.durable_seconds) == (200, 240)
    assert "s3-express-performance.html" in tiers["express"].limits[1].source


def test_no_nvme_and_no_lustre_writes_straight_to_s3_which_is_durable():
    fleet = {"name": "train", "role": "training", "instance_type": "p6-b200.48xlarge", "count": 2}
    result, _ = plan({"checkpoint": {**ONE_T, "optimizer_state": False}, "nvme_cache": None}, fleet)
    assert (result.first_tier, result.gpu_wait_seconds, result.durable_seconds) == ("s3", 40, 40)
    assert result.durable_explanation == "written straight to s3"


def test_lustre_first_is_not_durable_until_exported():
    result, _ = plan({"checkpoint": ONE_T, "lustre": LUSTRE, "nvme_cache": None})
    assert result.first_tier == "lustre" and result.durable_seconds is None
    assert "rate AWS does not publish" in result.durable_explanation


def test_lustre_over_efa_lifts_the_per_client_limit():
    fleet = {"name": "train", "role": "training", "instance_type": "p6-b200.48xlarge", "count": 2}
    lustre = {**LUSTRE, "efa": True}
    _, tiers = plan({"checkpoint": {"size_gb": 100}, "lustre": lustre, "nvme_cache": None}, fleet)
    # 2 nodes x min(700 Gbps FSx per EFA client, 8 x 400 Gbps EFA) / 8 = 175 GB/s
    assert tiers["lustre"].limits[1].name == "Lustre clients over EFA"
    assert tiers["lustre"].limits[1].gb_s == 175


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


def test_scratch_2_uses_the_write_baseline_not_the_read_one():
    scratch = {"deployment_type": "SCRATCH_2", "storage_capacity_gib": 2400}
    _, tiers = plan({"checkpoint": {"size_gb": 100}, "lustre": scratch})
    # FSx SSD table: SCRATCH_2 disk throughput 200 MB/s/TiB read, 100 write: 2.34375 TiB x 100 = 234.375 MB/s
    assert tiers["lustre"].bandwidth_gb_s == pytest.approx(0.234375)


def test_lustre_suggestion_never_lowers_the_throughput_when_the_clients_bind():
    # one inf2.48xlarge (100 Gbps, no EFA) cannot use 192,000 GiB at the default 250 MB/s/TiB (46.9 GB/s)
    fleet = {"name": "train", "role": "training", "instance_type": "inf2.48xlarge", "count": 1}
    big = {"deployment_type": "PERSISTENT_2", "storage_capacity_gib": 192000}
    result, tiers = plan({"checkpoint": {"size_gb": 6000}, "lustre": big, "nvme_cache": None}, fleet)
    assert (tiers["lustre"].bandwidth_gb_s, tiers["lustre"].binding_limit) == (12.5, "Lustre clients over TCP")
    assert result.suggestion == (
        "the clients' network binds (12.5 GB/s of 20.0 GB/s needed), not the file system: write from more nodes"
    )


def test_lustre_suggestion_starts_above_the_default_throughput():
    fleet = {"name": "train", "role": "training", "instance_type": "inf2.48xlarge", "count": 32}
    lustre = {"deployment_type": "PERSISTENT_2", "storage_capacity_gib": 48000}
    result, _ = plan({"checkpoint": {"size_gb": 4000}, "lustre": lustre, "nvme_cache": None}, fleet)
    # 46.875 TiB x 250 (default) = 11.7 GB/s -> 341 s; 13.3 GB/s needed: 500, never 125
    assert result.suggestion == "set storage.lustre.throughput_mb_s_per_tib to 500 (needs 13.3 GB/s)"


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


def test_a_measured_upload_speed_replaces_the_line_rate_bound():
    fleet = {"name": "train", "role": "training", "instance_type": "p6-b200.48xlarge", "count": 16}
    ckpt = {**ONE_T, "optimizer_state": False, "upload_gb_s_per_node": 2.5}
    result, tiers = plan({"checkpoint": ckpt, "nvme_cache": None, "express_bucket": {}}, fleet)
    # 16 x 2.5 GB/s = 40 GB/s -> 2,000 GB in 50 s
    assert (tiers["express"].bandwidth_gb_s, result.gpu_wait_seconds, result.durable_seconds) == (40, 50, 50)
    assert tiers["express"].limits[0].source == "16 nodes x 2.5 GB/s measured (storage.checkpoint.upload_gb_s_per_node)"


def test_an_efa_file_system_grows_in_capacity_not_in_throughput_tier():
    fleet = {"name": "train", "role": "training", "instance_type": "p6-b200.48xlarge", "count": 8}
    lustre = {"storage_capacity_gib": 14400, "throughput_mb_s_per_tib": 500, "efa": True}
    result, tiers = plan({"checkpoint": {"size_gb": 4000}, "lustre": lustre}, fleet)
    # 14.0625 TiB x 500 = 7.03 GB/s -> 569 s; 13.3 GB/s needed at 500 MB/s/TiB: 26.7 TiB = 27,307 GiB -> 28,800
    assert tiers["lustre"].binding_limit == "Lustre file system write"
    assert result.suggestion.endswith(
        "without NVMe, Lustre (569 s) misses the target: set storage.lustre.storage_capacity_gib to 28,800 (an EFA "
        "file system keeps its 500 MB/s/TiB; needs 13.3 GB/s)"
    )
