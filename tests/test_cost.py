"""The cost plan: arithmetic on a worked example (invented round prices), capacity modes, cost per million
tokens, what a table lacks, errors for a bad or foreign table, and --json against its schema."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from conftest import ROOT, fleet, spec_dict
from ultrafleet.cli.commands import app

runner = CliRunner()
PRICES = ROOT / "tests/fixtures/prices-test.yaml"


def worked_spec() -> dict:
    return spec_dict(
        fleets=[
            fleet(name="train", availability_zones=["us-east-1a"]),
            fleet(
                name="block",
                availability_zones=["us-east-1a"],
                capacity={"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0"},
            ),
            {
                "name": "serve",
                "role": "inference",
                "instance_type": "g6e.xlarge",
                "count": 4,
                "availability_zones": ["us-east-1a", "us-east-1b"],
                "inference": {"min_size": 2, "max_size": 8, "spot_percent": 50, "tokens_per_second_per_instance": 1000},
            },
        ],
        storage={
            "lustre": {"storage_capacity_gib": 4800, "throughput_mb_s_per_tib": 250},
            "checkpoint": {"size_gb": 100, "kept_in_s3": 10},
        },
    )


def run_cost(tmp_path, data, prices=PRICES, *extra):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data))
    return runner.invoke(app, ["cost", str(path), "--prices", str(prices), *extra])


@pytest.fixture
def worked(tmp_path) -> dict:
    result = run_cost(tmp_path, worked_spec(), PRICES, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_worked_example_per_fleet(worked):
    fleets = {f["name"]: f for f in worked["fleets"]}
    assert [(line["item"], line["quantity"], line["hourly_usd"]) for line in fleets["train"]["lines"]] == [
        ("On-Demand p5.48xlarge", "2 x", 20.0),
        ("gp3 root volumes", "400 GB", 0.04),  # 2 x 200 GB x 0.073 / 730
    ]
    assert [(line["item"], line["hourly_usd"]) for line in fleets["block"]["lines"]] == [
        ("Capacity Block p5.48xlarge", 12.0),
        ("gp3 root volumes", 0.04),
    ]
    # 4 instances, On-Demand base 2 (min_size), half of the 2 above it Spot: 3 On-Demand, 1 Spot
    assert [(line["item"], line["quantity"], line["hourly_usd"]) for line in fleets["serve"]["lines"]] == [
        ("On-Demand g6e.xlarge", "3 x", 6.0),
        ("Spot g6e.xlarge", "1 x", 1.0),
        ("gp3 root volumes", "800 GB", 0.08),
    ]
    assert (fleets["train"]["hourly_usd"], fleets["block"]["hourly_usd"], fleets["serve"]["hourly_usd"]) == (
        20.04,
        12.04,
        7.08,
    )
    assert fleets["serve"]["monthly_usd"] == pytest.approx(7.08 * 730)
    # $7.08 per hour / (1000 tokens/s x 3600 s x 4 instances = 14.4 M tokens per hour)
    assert fleets["serve"]["usd_per_million_tokens"] == round(7.08 / 14.4, 4)
    assert fleets["train"]["usd_per_million_tokens"] is None


def test_worked_example_shared_storage_and_totals(worked):
    assert [(line["item"], line["quantity"], line["hourly_usd"]) for line in worked["shared"]] == [
        ("NAT gateways", "1 x", 0.05),  # network.nat_gateways defaults to 1
        ("public IPv4 (NAT)", "1 x", 0.01),  # its Elastic IP
        ("Application Load Balancer", "1 x", 0.02),  # the spec has an inference fleet
        ("FSx for Lustre PERSISTENT_2/250", "4,800 GB", 0.96),  # 4800 x 0.146 / 730
        ("S3 INTELLIGENT_TIERING checkpoints", "10 x 100 GB", 0.05),  # 1000 x 0.0365 / 730
    ]
    assert worked["total_hourly_usd"] == 40.25  # 20.04 + 12.04 + 7.08 + 0.08 + 0.96 + 0.05
    assert worked["total_monthly_usd"] == pytest.approx(40.25 * 730)
    assert (worked["complete"], worked["missing"]) == (True, [])
    assert {k: worked["prices"][k] for k in ("region", "taken", "source")} == {
        "region": "us-east-1",
        "taken": "2026-11-23",
        "source": "test fixture: invented numbers, not AWS prices",
    }


def test_json_matches_its_schema(worked):
    schema = json.loads(resources.files("ultrafleet.planning").joinpath("cost.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(worked, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**worked, "total_hourly_usd": "40"}, schema)


def test_missing_prices_are_named_and_left_out_of_the_total(tmp_path):
    table = yaml.safe_load(PRICES.read_text())
    del table["instances"]["g6e.xlarge"]["spot_hourly"]
    del table["lustre_gb_month"]
    partial = tmp_path / "prices.yaml"
    partial.write_text(yaml.safe_dump(table))
    result = run_cost(tmp_path, worked_spec(), partial, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["missing"] == ["instances.g6e.xlarge.spot_hourly", "lustre_gb_month.PERSISTENT_2/250"]
    assert data["complete"] is False
    assert data["total_hourly_usd"] == pytest.approx(40.25 - 1.0 - 0.96)
    serve = next(f for f in data["fleets"] if f["name"] == "serve")
    assert serve["usd_per_million_tokens"] is None  # not every line priced


def test_the_table_shows_the_totals_and_what_is_missing(tmp_path):
    data = worked_spec()
    del data["storage"]["checkpoint"]["kept_in_s3"]
    result = run_cost(tmp_path, data)
    assert result.exit_code == 0, result.output
    assert "prices taken 2026-11-23" in result.stdout
    assert "$40.20" in result.stdout  # the total without the S3 line
    assert result.stdout.rstrip().splitlines()[-1] == (
        "  incomplete: the totals leave out what these prices or fields would add: storage.checkpoint.kept_in_s3"
    )


def test_plan_with_prices_carries_the_cost(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(worked_spec()))
    result = runner.invoke(app, ["plan", str(path), "--prices", str(PRICES), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cost"]["total_hourly_usd"] == 40.25


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"region": "us-west-2"},
            "error UF-COST-002 region: us-east-1: the price table is for us-west-2; use a table for us-east-1",
        ),
        ({"taken": "yesterday"}, "error UF-COST-001 {path}:taken: Input should be a valid date or datetime"),
        (
            {"ebs_gp3_gb_month": -1},
            "error UF-COST-001 {path}:ebs_gp3_gb_month: -1: a price must be above 0; correct it, or leave it out to "
            "have it reported missing",
        ),
        (
            {"instances": {"p5.48xlarge": {"on_demand_hourly": 0}}},
            "error UF-COST-001 {path}:instances.p5.48xlarge.on_demand_hourly: 0: a price must be above 0; correct "
            "it, or leave it out to have it reported missing",
        ),
    ],
    ids=["other-region", "bad-date", "negative", "zero"],
)
def test_a_bad_price_table_exits_2_naming_the_field(tmp_path, change, expected):
    table = yaml.safe_load(PRICES.read_text()) | change
    bad = tmp_path / "prices.yaml"
    bad.write_text(yaml.safe_dump(table))
    result = run_cost(tmp_path, worked_spec(), bad)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(expected.format(path=bad))


def test_a_reservation_costs_the_on_demand_rate_and_a_spot_fleet_the_spot_price(tmp_path):
    data = worked_spec()
    data["fleets"][0]["capacity"] = {"type": "capacity-reservation", "reservation_id": "cr-0123456789abcdef1"}
    data["fleets"][2]["capacity"] = {"type": "spot"}
    data["fleets"][2]["inference"]["spot_percent"] = 0
    result = run_cost(tmp_path, data, PRICES, "--json")
    assert result.exit_code == 0, result.output
    lines = {
        f["name"]: (f["lines"][0]["item"], f["lines"][0]["hourly_usd"]) for f in json.loads(result.stdout)["fleets"]
    }
    assert lines["train"] == ("Capacity Reservation p5.48xlarge", 20.0)
    assert lines["serve"] == ("Spot g6e.xlarge", 4.0)
