"""scripts/regen_prices.py against a stubbed Price List Query API: the filters it sends, the On-Demand prices it
reads, what it reports missing, and a table `ultrafleet cost` accepts. The prices in the stubbed answers are
invented; only their shape is AWS's (PriceList entries are JSON strings with product and terms)."""

from __future__ import annotations

import json
import runpy
import sys

import boto3
import pytest
from botocore.stub import Stubber

from conftest import ROOT
from ultrafleet.planning.price_list import on_demand_usd
from ultrafleet.planning.prices import load_prices

SCRIPT = str(ROOT / "scripts" / "regen_prices.py")


def entry(sku: str, unit: str, *usd: str) -> str:
    dimensions = {
        f"{sku}.JRTCKXETXF.{i}": {"unit": unit, "pricePerUnit": {"USD": price}, "description": "invented"}
        for i, price in enumerate(usd)
    }
    return json.dumps(
        {
            "product": {"sku": sku, "attributes": {}},
            "terms": {"OnDemand": {f"{sku}.JRTCKXETXF": {"priceDimensions": dimensions}}},
        }
    )


def filters(**fields: str) -> list[dict[str, str]]:
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in fields.items()]


INSTANCE = {
    "locationType": "AWS Region",
    "operatingSystem": "Linux",
    "tenancy": "Shared",
    "preInstalledSw": "NA",
    "capacitystatus": "Used",
}


@pytest.fixture
def stubbed():
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    answers = [
        ("g7e.12xlarge", [entry("SKU1", "Hrs", "12.5000000000")]),
        ("p5.48xlarge", []),
    ]
    for name, price_list in answers:
        stub.add_response(
            "get_products",
            {"PriceList": price_list, "FormatVersion": "aws_v1"},
            {
                "ServiceCode": "AmazonEC2",
                "Filters": filters(**INSTANCE, regionCode="us-east-1", instanceType=name),
            },
        )
    stub.add_response(
        "get_products",
        {"PriceList": [entry("SKU3", "GB-Mo", "0.1000000000")], "FormatVersion": "aws_v1"},
        {
            "ServiceCode": "AmazonEC2",
            "Filters": filters(
                locationType="AWS Region", productFamily="Storage", volumeApiName="gp3", regionCode="us-east-1"
            ),
        },
    )
    with stub:
        yield client
        stub.assert_no_pending_responses()


def test_fetch_reads_on_demand_prices_and_names_what_has_none(stubbed):
    fetch = runpy.run_path(SCRIPT, run_name="regen")["fetch"]
    table, missing = fetch(stubbed, "us-east-1", ["g7e.12xlarge", "p5.48xlarge"])
    assert table == {"instances": {"g7e.12xlarge": {"on_demand_hourly": 12.5}}, "ebs_gp3_gb_month": 0.1}
    assert missing == ["p5.48xlarge"]


def test_the_written_table_loads_with_its_region_date_and_source(stubbed, monkeypatch, tmp_path, capsys):
    out = tmp_path / "prices.yaml"
    monkeypatch.setattr(sys, "argv", ["regen_prices.py", "--output", str(out)])
    monkeypatch.setattr(boto3, "client", lambda *a, **k: stubbed)
    monkeypatch.setattr("ultrafleet.catalog.instance_types", lambda: {"p5.48xlarge": None, "g7e.12xlarge": None})
    with pytest.raises(SystemExit) as exit_code:
        runpy.run_path(SCRIPT, run_name="__main__")
    assert exit_code.value.code == 0
    table = load_prices(out)
    assert (table.region, table.instances["g7e.12xlarge"].on_demand_hourly, table.ebs_gp3_gb_month) == (
        "us-east-1",
        12.5,
        0.1,
    )
    assert table.source.startswith("AWS Price List Query API, pricing:GetProducts AmazonEC2 On-Demand (")
    assert capsys.readouterr().out.strip().endswith("1 instance types; no On-Demand price for: p5.48xlarge")


def test_one_price_per_entry_or_an_error():
    assert on_demand_usd(entry("S", "Hrs", "1.5"), "Hrs") == 1.5
    assert on_demand_usd(entry("S", "Hrs", "1.5"), "GB-Mo") is None
    with pytest.raises(ValueError, match="S: 2 On-Demand prices in Hrs; narrow the filters"):
        on_demand_usd(entry("S", "Hrs", "1.5", "2.0"), "Hrs")
