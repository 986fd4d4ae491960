"""The catalog against its sources: DescribeInstanceTypes (moto's bundled copy) and the sourced overlay."""

from __future__ import annotations

import json
import runpy
import sys

import pytest
from moto import mock_aws

from ultrafleet import catalog
from ultrafleet.catalog.generated import GENERATED_TYPES, load_generated_file

REQUIRED = {
    "p5.48xlarge",
    "p5e.48xlarge",
    "p5en.48xlarge",
    "p6-b200.48xlarge",
    "p6-b300.48xlarge",
    "p6e-gb200.36xlarge",
    "g7e.2xlarge",
    "g7e.4xlarge",
    "g7e.8xlarge",
    "g7e.12xlarge",
    "g7e.24xlarge",
    "g7e.48xlarge",
    "g6e.xlarge",
    "g6e.48xlarge",
    "trn1.32xlarge",
    "trn2.48xlarge",
    "trn2u.48xlarge",
    "inf2.48xlarge",
    "p4d.24xlarge",
}


def test_catalog_holds_every_required_type_and_no_other():
    assert set(catalog.instance_types()) == REQUIRED


@pytest.mark.parametrize(
    ("name", "efa", "cards", "gbps"),
    [
        ("p5.48xlarge", 32, 32, 3200.0),
        ("p5en.48xlarge", 16, 16, 3200.0),
        ("p6-b200.48xlarge", 8, 8, 3200.0),
        ("p6-b300.48xlarge", 16, 17, 6400.0),
        ("p6e-gb200.36xlarge", 16, 17, 1600.0),
        ("trn2.48xlarge", 16, 16, 3200.0),
        ("g7e.48xlarge", 4, 4, 1600.0),
        ("g7e.8xlarge", 1, 1, 100.0),
        ("inf2.48xlarge", 0, 1, 0.0),
        ("g6e.xlarge", 0, 1, 0.0),
        ("g6e.48xlarge", 4, 4, 400.0),
    ],
)
def test_documented_efa_counts_cards_and_bandwidth(name, efa, cards, gbps):
    """EFA bandwidth is AWS's published EFA figure (overlay sources.efa_bandwidth), not the sum of ENA cards."""
    itype = catalog.get(name)
    assert (itype.max_efa_interfaces, len(itype.cards), itype.efa_bandwidth_gbps) == (efa, cards, gbps)


@pytest.mark.parametrize("name", ["p6-b300.48xlarge", "p6e-gb200.36xlarge"])
def test_card_zero_is_ena_only_on_b300_and_gb200(name):
    assert catalog.get(name).cards[0].interface_types == ("interface",)


def test_gb200_is_arm64_and_sold_only_in_ultraservers():
    gb200 = catalog.get("p6e-gb200.36xlarge")
    assert (gb200.architecture, gb200.ultraserver_only, gb200.capacity_block) == ("arm64", True, True)


@pytest.mark.parametrize(("name", "instances"), [("u-p6e-gb200x36", 9), ("u-p6e-gb200x72", 18), ("u-trn2x64", 4)])
def test_ultraserver_sizes_follow_from_accelerator_counts(name, instances):
    us = catalog.ultraserver_types()[name]
    per_instance = catalog.get(us.instance_type).accelerators.count
    accelerators = {"u-p6e-gb200x36": 36, "u-p6e-gb200x72": 72, "u-trn2x64": 64}[name]
    assert us.instances == instances == accelerators // per_instance


def test_every_type_names_its_source_and_has_overlay_facts():
    for itype in catalog.instance_types().values():
        assert "DescribeInstanceTypes" in itype.source or "Blog" in itype.source, itype.name
        assert itype.topology_layers in (None, 3, 4)


@pytest.mark.parametrize(
    ("name", "layers"),
    [
        ("p6-b200.48xlarge", 4),
        ("p6-b300.48xlarge", 4),
        ("p5.48xlarge", 3),
        ("g7e.48xlarge", 3),
        ("inf2.48xlarge", None),
    ],
)
def test_topology_support_matches_aws_prerequisites_page(name, layers):
    assert catalog.get(name).topology_layers == layers


def test_suggest_finds_near_misses():
    names = sorted(catalog.instance_types())
    assert catalog.suggest("p6-b200.48xlarg", names) == "p6-b200.48xlarge"
    assert catalog.suggest("zzz", names) is None


def test_regen_script_against_moto_shows_no_drift(root, monkeypatch, capsys):
    """scripts/regen_catalog.py --check against moto's DescribeInstanceTypes: the shipped file is what AWS says."""
    monkeypatch.setattr(sys, "argv", ["regen_catalog.py", "--check"])
    with mock_aws(), pytest.raises(SystemExit) as done:
        runpy.run_path(str(root / "scripts" / "regen_catalog.py"), run_name="__main__")
    assert (done.value.code, capsys.readouterr().out.strip()) == (0, "no drift")


def test_regen_check_reports_drift(root, monkeypatch, capsys, tmp_path):
    """The drift check can fail: a changed shipped entry is reported by name."""
    shipped = load_generated_file()
    shipped["instance_types"]["p5.48xlarge"]["network"]["max_efa_interfaces"] = 31
    monkeypatch.setattr("ultrafleet.catalog.generated.load_generated_file", lambda: shipped)
    monkeypatch.setattr(sys, "argv", ["regen_catalog.py", "--check"])
    with mock_aws(), pytest.raises(SystemExit) as done:
        runpy.run_path(str(root / "scripts" / "regen_catalog.py"), run_name="__main__")
    assert (done.value.code, capsys.readouterr().out.strip()) == (1, "drift in: p5.48xlarge")


def test_generated_file_lists_exactly_the_generated_types():
    assert sorted(load_generated_file()["instance_types"]) == sorted(GENERATED_TYPES)
    json.dumps(load_generated_file())  # stays plain JSON


def test_generated_file_names_its_source_and_date():
    document = load_generated_file()
    assert document["taken"] == "2026-11-22"
    assert document["source"].startswith("EC2 DescribeInstanceTypes (")


@pytest.mark.parametrize(
    ("name", "ena", "efa"),
    [
        # DescribeInstanceTypes BaselineBandwidthInGbps per card (ENA) vs the EFA figure AWS publishes.
        ("p6-b200.48xlarge", 1600.0, 3200.0),  # 8 cards x 200 ENA; "3,200 Gbps of EFA networking"
        ("g6e.48xlarge", 1600.0, 400.0),  # 4 cards x 400 ENA; AWS lists the type at 400 Gigabit (issue 20)
        ("p5.48xlarge", 3200.0, 3200.0),
    ],
)
def test_ena_and_efa_bandwidth_are_separate_figures(name, ena, efa):
    itype = catalog.get(name)
    assert (itype.ena_bandwidth_gbps, itype.efa_bandwidth_gbps) == (ena, efa)


def test_gb200_facts_from_the_accelerated_computing_specifications_page():
    """ac.html as quoted in issue 15 (overlay manual_types source): vCPUs, memory, GPU memory, interfaces,
    addresses per interface, instance store, network performance."""
    gb200 = catalog.get("p6e-gb200.36xlarge")
    assert (gb200.vcpus, gb200.memory_mib) == (144, 960 * 1024)
    assert (gb200.accelerators.count, gb200.accelerators.memory_mib_each * 4) == (4, 740 * 1024)
    assert (gb200.max_network_interfaces, gb200.ipv4_per_interface) == (39, 50)
    assert (gb200.nvme.count, gb200.nvme.size_gb, gb200.nvme.total_gb) == (3, 7500, 22500)
    assert gb200.network_performance == "3200 Gigabit"
    assert "ac.html" in gb200.source and "PR #6930" in gb200.source


def test_gb200_card_interface_limits_follow_parallelcluster_pr_6930():
    """'MaximumNetworkInterfaces for the network card is 1 for odd indexes and 2 for even indexes'."""
    cards = catalog.get("p6e-gb200.36xlarge").cards
    assert [c.max_interfaces for c in cards[1:]] == [1, 2] * 8
    assert all(c.interface_types == ("efa-only",) for c in cards[1::2])


def test_gb200_card_zero_bandwidth_stays_unknown_without_a_source():
    """No page read gives card 0's ENA figure; the catalog says unknown rather than guess."""
    gb200 = catalog.get("p6e-gb200.36xlarge")
    assert (gb200.cards[0].baseline_gbps, gb200.ena_bandwidth_gbps) == (None, None)


def test_trn2u_accelerator_memory_from_neuron_documentation():
    """96 GiB of HBM per Trainium2 (Neuron 'Trainium2 Architecture Guide for NKI')."""
    acc = catalog.get("trn2u.48xlarge").accelerators
    assert (acc.model, acc.count, acc.memory_mib_each) == ("Trainium2", 16, 96 * 1024)


def test_accelerator_kind_is_gpu_or_neuron_for_every_type():
    kinds = {name: t.accelerator_kind for name, t in catalog.instance_types().items()}
    assert sorted(n for n, kind in kinds.items() if kind == "neuron") == [
        "inf2.48xlarge",
        "trn1.32xlarge",
        "trn2.48xlarge",
        "trn2u.48xlarge",
    ]
    assert {kind for n, kind in kinds.items()} == {"gpu", "neuron"}
