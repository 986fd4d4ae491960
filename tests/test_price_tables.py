"""The shipped price tables: every row names a source with a date and a license, a few figures pinned to what their
sources say, and scripts/build_price_tables.py's rules (the AWS Price List figure wins, disagreements are kept,
prices no source gives are named missing) on small invented inputs."""

from __future__ import annotations

import importlib.util
import json

import pytest
import yaml

from conftest import ROOT, SPECS
from ultrafleet.planning.prices import HOURS_PER_MONTH, default_prices, load_prices, shipped_tables

TABLES = {path.stem.removeprefix("prices-"): load_prices(path) for path in shipped_tables()}


def priced_keys(path) -> set[str]:
    """Every price in a table file, named as ``missing`` and ``row_sources`` name them."""
    raw = yaml.safe_load(path.read_text())
    keys = {f"instances.{t}.{f}" for t, fields in raw["instances"].items() for f in fields}
    keys |= {f"ultraservers.{u}.capacity_block_hourly" for u in raw["ultraservers"]}
    keys |= {f"{table}.{k}" for table in ("lustre_gb_month", "s3_gb_month") for k in raw[table]}
    scalars = ("ebs_gp3_gb_month", "ebs_gp3_iops_month", "ebs_gp3_mib_s_month")
    scalars += ("nat_gateway_hourly", "public_ipv4_hourly", "alb_hourly")
    keys |= {k for k in scalars if k in raw}
    return keys


def test_a_table_ships_for_us_east_1_and_every_region_a_shipped_spec_uses():
    regions = {yaml.safe_load(p.read_text())["region"] for p in SPECS}
    assert regions | {"us-east-1"} <= set(TABLES)
    assert regions == {"us-east-1", "us-east-2", "us-west-2"}


@pytest.mark.parametrize("path", shipped_tables(), ids=lambda p: p.stem)
def test_every_shipped_row_has_a_source_a_date_and_a_license(path):
    table = load_prices(path)
    assert set(table.row_sources) == priced_keys(path)
    for key, sid in table.row_sources.items():
        source = table.sources[sid]
        assert source.origin and source.license and source.date, key
    assert not set(table.missing) & set(table.row_sources)
    # the table's date is its oldest dated figure (a Spot snapshot is undated and so does not count)
    assert table.taken == min(s.date for s in table.sources.values() if not s.undated)


@pytest.mark.parametrize(
    ("region", "key", "usd", "source"),
    [
        # finops-mcp 0.12.0 finops/aws_prices.py EC2_HOURLY, AmazonEC2 us-east-1 offer 20261012193925
        ("us-east-1", "instances.p5.48xlarge.on_demand_hourly", 55.04, "finops-mcp"),
        # koyakimu/ec2-capacity-blocks-for-ml-pricing-json data/pricing.json, p5.48xlarge, us-east-1
        ("us-east-1", "instances.p5.48xlarge.capacity_block_hourly", 41.528, "ec2-capacity-blocks-pricing"),
        # the same file: u-p6e-gb200x72 is sold in the Dallas Local Zone, per UltraServer
        ("us-east-1", "ultraservers.u-p6e-gb200x72.capacity_block_hourly", 761.904, "ec2-capacity-blocks-pricing"),
        # tsaol/aws-gpu data/p6-b200_instances.js, us-east-1 (finops-mcp does not list the type)
        ("us-east-1", "instances.p6-b200.48xlarge.on_demand_hourly", 113.9328, "aws-gpu"),
        # aws-samples/sample-fsx-viewer pricing_data.json, us-east-1 LUSTRE PERSISTENT_2 SSD 250
        ("us-east-1", "lustre_gb_month.PERSISTENT_2/250", 0.21, "sample-fsx-viewer"),
        # skypilot-catalog vms.csv: g6e.xlarge Spot in use1-az1 0.9154 .. 1.1975; the table keeps the highest zone
        ("us-east-1", "instances.g6e.xlarge.spot_hourly", 1.1975, "skypilot-catalog"),
        ("us-east-1", "ebs_gp3_gb_month", 0.08, "finops-mcp"),
        # finops-mcp: AWSELB us-east-1 offer 20260911124544, SKU 37CUWUT8GSNQEPUV (LoadBalancerUsage)
        ("us-east-1", "alb_hourly", 0.0225, "finops-mcp"),
        ("us-east-1", "nat_gateway_hourly", 0.045, "finops-mcp"),
        ("us-east-2", "instances.trn1.32xlarge.capacity_block_hourly", 9.532, "ec2-capacity-blocks-pricing"),
    ],
)
def test_figures_pinned_to_their_sources(region, key, usd, source):
    table = TABLES[region]
    value = table
    parts = key.split(".")
    head, rest = parts[0], parts[1:]
    if head in ("instances", "ultraservers"):
        value = getattr(getattr(table, head)[".".join(rest[:-1])], rest[-1])
    elif head in ("lustre_gb_month", "s3_gb_month"):
        value = getattr(table, head)[".".join(rest)]
    else:
        value = getattr(table, head)
    assert (value, table.row_sources[key]) == (usd, source)


def test_a_type_no_source_prices_is_named_missing():
    assert "instances.trn2.48xlarge.on_demand_hourly" in TABLES["us-east-2"].missing
    assert "instances.p5e.48xlarge.on_demand_hourly" in TABLES["us-east-1"].missing  # not in either On-Demand source
    assert "s3_gb_month.EXPRESS_ONEZONE" in TABLES["us-east-1"].missing


def test_monthly_is_hourly_times_730():
    """AWS Pricing Calculator: a month is 730 hours (24 x 365 / 12)."""
    assert HOURS_PER_MONTH == 24 * 365 / 12 == 730
    assert default_prices("us-east-1") == TABLES["us-east-1"]


def _generator():
    spec = importlib.util.spec_from_file_location("build_price_tables", ROOT / "scripts" / "build_price_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generator_keeps_the_price_list_figure_and_records_the_disagreement(monkeypatch, tmp_path):
    gen = _generator()
    # invented figures, in the shapes the readers return
    monkeypatch.setattr(gen, "read_finops", lambda path: ({"p5.48xlarge": 50.0}, {"ebs_gp3_gb_month": 0.08}))
    monkeypatch.setattr(gen, "read_aws_gpu", lambda folder: {"p5.48xlarge": {"us-east-1": 51.0}, "g6e.xlarge": {}})
    monkeypatch.setattr(gen, "read_capacity_blocks", lambda path: {"u-p6e-gb200x72": {"us-east-1-dfw-2a": 700.0}})
    monkeypatch.setattr(gen, "read_spot", lambda path: {})
    monkeypatch.setattr(gen, "read_fsx", lambda path, region: {"SCRATCH_2": 0.14})
    monkeypatch.setattr(gen, "_checked", lambda sources, name: tmp_path / name)
    table = gen.build(tmp_path, "us-east-1")
    assert table["instances"]["p5.48xlarge"] == {"on_demand_hourly": 50.0}
    assert table["row_sources"]["instances.p5.48xlarge.on_demand_hourly"] == "finops-mcp"
    assert table["disagreements"] == [
        "instances.p5.48xlarge.on_demand_hourly: finops-mcp (AWS Price List) 50.0, aws-gpu 51.0; kept the Price "
        "List figure"
    ]
    assert table["ultraservers"] == {"u-p6e-gb200x72": {"capacity_block_hourly": 700.0, "zone": "us-east-1-dfw-2a"}}
    assert "instances.g6e.xlarge.on_demand_hourly" in table["missing"]
    assert "instances.g6e.xlarge.capacity_block_hourly" not in table["missing"]  # not sold as Capacity Blocks
    assert "instances.p5.48xlarge.capacity_block_hourly" in table["missing"]
    # the oldest source a row names: sample-fsx-viewer (aws-gpu was outvoted, so no row names it)
    assert table["taken"] == "2026-02-17"
    assert "aws-gpu" not in table["sources"]


def test_the_generator_reads_spot_by_zone_and_refuses_a_source_it_was_not_written_against(tmp_path):
    gen = _generator()
    csv = tmp_path / "spot.csv"
    csv.write_text(
        "# comment\nInstanceType,Price,SpotPrice,Region,AvailabilityZone\n"
        "g6e.xlarge,1.861,0.9,us-east-1,use1-az1\ng6e.xlarge,1.861,1.2,us-east-1,use1-az2\n"
    )
    assert gen.read_spot(csv) == {"g6e.xlarge": {"us-east-1": 1.2}}
    (tmp_path / "cb-pricing.json").write_text(json.dumps({"metadata": {}, "instance_types": {}}))
    with pytest.raises(SystemExit, match="not the file this script was written against"):
        gen._checked(tmp_path, "ec2-capacity-blocks-pricing")
