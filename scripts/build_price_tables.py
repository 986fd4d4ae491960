"""Build the shipped price tables (ultrafleet/catalog/prices-<region>.yaml) from dated public sources.

Usage: python scripts/build_price_tables.py --sources DIR [--output ultrafleet/catalog]

DIR holds the source files as downloaded (none of them is committed; see docs/cost.md for how to fetch each):
  cb-pricing.json                      koyakimu/ec2-capacity-blocks-for-ml-pricing-json data/pricing.json
  aws-gpu/<family>_instances.js        tsaol/aws-gpu data/<family>_instances.js
  finops_mcp-0.12.0-py3-none-any.whl   PyPI finops-mcp 0.12.0 (read as text: finops/aws_prices.py and
                                       finops/analyzers/waste.py; nothing of it is imported or run)
  fsx-pricing_data.json                aws-samples/sample-fsx-viewer fsx_viewer/pricing_data.json
  skypilot-vms-excerpt.csv             rows of skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv

Every row of a table names its source; a source carries its origin, the date of its figures and its license.
Where two sources price the same row, the one read from the AWS Price List wins (finops-mcp) and the other figure
is kept under ``disagreements`` when it differs. A catalog type no source prices is listed under ``missing``.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import hashlib
import json
import sys
import zipfile
from pathlib import Path

import yaml

from ultrafleet import catalog
from ultrafleet.catalog import instance_types, ultraserver_types

REGIONS = ("us-east-1", "us-east-2", "us-west-2")
"""us-east-1 and every region a shipped spec (specs/*.yaml) deploys to."""

SOURCES = {
    "finops-mcp": {
        "origin": "PyPI package finops-mcp 0.12.0, files finops/aws_prices.py and finops/analyzers/waste.py",
        "basis": "AWS Price List: AmazonEC2 us-east-1 offer 20261012193925 (its PRICE_SOURCES and AS_OF); the "
        "module says every EC2 row also matches the us-west-2 offer; S3 from the AmazonS3 us-east-1 offer "
        "20261012231102; the load balancer from AWSELB 20260911124544, public IPv4 from AmazonVPC 20260917190528",
        "license": "Apache-2.0",
        "date": "2026-10-13",
        "file": "finops_mcp-0.12.0-py3-none-any.whl",
        "sha256": "e4907e306e3ca495e5fcc4ac2f281f280401d6a46dc91abf7b6a6ba06dbe207a",
    },
    "ec2-capacity-blocks-pricing": {
        "origin": "github.com/koyakimu/ec2-capacity-blocks-for-ml-pricing-json data/pricing.json at commit "
        "b3a54aee92b6ef6b3c50ea6cacbcc03536675c7e",
        "basis": "scraped from the AWS page 'Amazon EC2 Capacity Blocks for ML pricing' (metadata.last_updated)",
        "license": "MIT (stated in the repository's README; no LICENSE file)",
        "date": "2026-07-22",
        "file": "cb-pricing.json",
        "sha256": "b4a608432a1c22c16ca59b9eeda28d42b0f6dd5d88404208d0540fbd98732133",
    },
    "aws-gpu": {
        "origin": "github.com/tsaol/aws-gpu data/*_instances.js at commit 7412fd256c5eda04a70a17742a68e8e44824b2cb",
        "basis": "generated from instances.vantage.sh data ('Last updated' line of each file)",
        "license": "MIT (README badge; no LICENSE file in the tree)",
        "date": "2026-01-21",
        "file": "aws-gpu",
    },
    "sample-fsx-viewer": {
        "origin": "github.com/aws-samples/sample-fsx-viewer fsx_viewer/pricing_data.json at commit "
        "874d208aa71674fbbd7a560b278b06862621b530",
        "basis": "its last_updated field",
        "license": "Apache-2.0",
        "date": "2026-02-17",
        "file": "fsx-pricing_data.json",
        "sha256": "774fe6942872234bab27b3914e56a412d4ee08a92667bdd30fe21ef9d34ebba8",
    },
    "skypilot-catalog": {
        "origin": "github.com/skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv at commit "
        "00148f2af3672e2229b4f7bf8157d5a3f36e3c35 (only the rows of the types this table prices)",
        "basis": "undated Spot snapshot by zone; the date is the day it was read, not the day of the price. "
        "The table keeps the highest zone's price in the region",
        "license": "Apache-2.0 (SkyPilot project)",
        "date": "2026-12-01",
        "undated": True,
        "file": "skypilot-vms-excerpt.csv",
        "sha256": "88749a053e867dc7bef24a45ee333341b1776437fa178ec60bc59f64a056e340",
    },
}


def _checked(sources: Path, name: str) -> Path:
    src = SOURCES[name]
    path = sources / src["file"]
    if "sha256" in src and hashlib.sha256(path.read_bytes()).hexdigest() != src["sha256"]:
        raise SystemExit(f"{path}: not the file this script was written against (sha256 differs); update SOURCES")
    return path


def _literals(text: str) -> dict[str, object]:
    """Module-level NAME = <literal> assignments of a Python file, read without running it."""
    values = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.AnnAssign):
            target = node.target
        elif isinstance(node, ast.Assign):
            target = node.targets[0]
        else:
            continue
        if isinstance(target, ast.Name) and node.value is not None:
            with contextlib.suppress(ValueError):
                values[target.id] = ast.literal_eval(node.value)
    return values


def read_finops(path: Path) -> tuple[dict[str, float], dict[str, float]]:
    with zipfile.ZipFile(path) as wheel:
        prices = _literals(wheel.read("finops/aws_prices.py").decode())
        waste = _literals(wheel.read("finops/analyzers/waste.py").decode())
    if prices["AS_OF"] != SOURCES["finops-mcp"]["date"]:
        raise SystemExit(f"finops-mcp AS_OF is {prices['AS_OF']}, not {SOURCES['finops-mcp']['date']}")
    storage = {
        "ebs_gp3_gb_month": prices["EBS_PER_GB_MONTH"]["gp3"],
        "ebs_gp3_iops_month": prices["EBS_GP3_PER_IOPS_MONTH"],
        "ebs_gp3_mib_s_month": prices["EBS_GP3_PER_MIBPS_MONTH"],
        "nat_gateway_hourly": prices["NAT_GATEWAY_HOURLY"],
        "public_ipv4_hourly": prices["PUBLIC_IPV4_HOURLY"],
        "alb_hourly": prices["ALB_HOURLY"],
        "s3_gb_month.STANDARD": waste["_S3_STANDARD_PER_GB_MONTH"],
        # waste.py: "Intelligent-Tiering's Infrequent Access tier, where data not read for 30 days settles".
        "s3_gb_month.INTELLIGENT_TIERING": waste["_S3_INT_TIER_PER_GB_MONTH"],
    }
    return prices["EC2_HOURLY"], storage


def read_aws_gpu(folder: Path) -> dict[str, dict[str, float]]:
    """On-Demand by type and region from every data/<family>_instances.js (``var instanceData = [...];``)."""
    by_type: dict[str, dict[str, float]] = {}
    for path in sorted(folder.glob("*_instances.js")):
        text = path.read_text()
        if "Last updated: " + SOURCES["aws-gpu"]["date"] not in text:
            raise SystemExit(f"{path}: not the {SOURCES['aws-gpu']['date']} snapshot")
        body = text[text.index("[") : text.rindex("]") + 1]
        for row in json.loads(body):
            for region, price in row.get("pricing", {}).items():
                if price.get("onDemand"):
                    by_type.setdefault(row["apiName"], {})[region] = price["onDemand"]
    return by_type


def read_capacity_blocks(path: Path) -> dict[str, dict[str, float]]:
    """Capacity Block effective hourly rate per instance (or per UltraServer) by region or zone code."""
    data = json.loads(path.read_text())
    if not data["metadata"]["last_updated"].startswith(SOURCES["ec2-capacity-blocks-pricing"]["date"]):
        raise SystemExit(f"{path}: last_updated {data['metadata']['last_updated']}")
    return {
        name: {p["region_code"]: p["hourly_rate_usd"] for p in entry["pricing"]}
        for name, entry in data["instance_types"].items()
    }


def read_fsx(path: Path, region: str) -> dict[str, float]:
    data = json.loads(path.read_text())
    if data["last_updated"] != SOURCES["sample-fsx-viewer"]["date"]:
        raise SystemExit(f"{path}: last_updated {data['last_updated']}")
    storage = data["regions"][region]["LUSTRE"]["storage"]
    ssd = sorted(storage["PERSISTENT_2"]["SSD"].items(), key=lambda kv: int(kv[0]))
    return {**{f"PERSISTENT_2/{unit}": rate for unit, rate in ssd}, "SCRATCH_2": storage["SCRATCH_2"]}


def read_spot(path: Path) -> dict[str, dict[str, float]]:
    """The highest zone's Spot price per type and region."""
    rows = csv.DictReader(line for line in path.read_text().splitlines() if not line.startswith("#"))
    spot: dict[str, dict[str, float]] = {}
    for row in rows:
        price = float(row["SpotPrice"])
        region = spot.setdefault(row["InstanceType"], {})
        region[row["Region"]] = max(price, region.get(row["Region"], 0.0))
    return spot


def build(sources: Path, region: str) -> dict:
    ec2, storage = read_finops(_checked(sources, "finops-mcp"))
    vantage = read_aws_gpu(sources / SOURCES["aws-gpu"]["file"])
    blocks = read_capacity_blocks(_checked(sources, "ec2-capacity-blocks-pricing"))
    spot = read_spot(_checked(sources, "skypilot-catalog"))
    lustre = read_fsx(_checked(sources, "sample-fsx-viewer"), region)
    price_list_regions = ("us-east-1", "us-west-2")  # where finops-mcp says its EC2 rows hold

    instances: dict[str, dict[str, float]] = {}
    row_sources: dict[str, str] = {}
    disagreements: list[str] = []
    missing: list[str] = []

    def put(name: str, field: str, value: float | None, source: str) -> None:
        if value is None:
            return
        instances.setdefault(name, {})[field] = value
        row_sources[f"instances.{name}.{field}"] = source

    types = sorted(set(instance_types()) | {u.instance_type for u in ultraserver_types().values()})
    for name in types:
        listed = ec2.get(name) if region in price_list_regions else None
        other = vantage.get(name, {}).get(region)
        if listed is not None:
            put(name, "on_demand_hourly", listed, "finops-mcp")
            if other is not None and other != listed:
                disagreements.append(
                    f"instances.{name}.on_demand_hourly: finops-mcp (AWS Price List) {listed}, aws-gpu {other}; "
                    "kept the Price List figure"
                )
        else:
            put(name, "on_demand_hourly", other, "aws-gpu")
        put(name, "capacity_block_hourly", blocks.get(name, {}).get(region), "ec2-capacity-blocks-pricing")
        put(name, "spot_hourly", spot.get(name, {}).get(region), "skypilot-catalog")
        block = ("capacity_block_hourly",) if catalog.get(name).capacity_block else ()
        sold_as = ("on_demand_hourly", "spot_hourly", *block)
        for field in sold_as:
            if field not in instances.get(name, {}):
                missing.append(f"instances.{name}.{field}")

    ultraservers = {}
    for name in sorted(ultraserver_types()):
        zones = {code: rate for code, rate in blocks.get(name, {}).items() if code.startswith(region + "-")}
        zones |= {region: blocks[name][region]} if region in blocks.get(name, {}) else {}
        if zones:
            zone, rate = sorted(zones.items())[0]
            ultraservers[name] = {"capacity_block_hourly": rate, "zone": zone}
            row_sources[f"ultraservers.{name}.capacity_block_hourly"] = "ec2-capacity-blocks-pricing"
        else:
            missing.append(f"ultraservers.{name}.capacity_block_hourly")

    scalar = {}
    for key, value in storage.items():
        if region in price_list_regions[:1]:  # finops-mcp's storage rows are us-east-1 only
            scalar[key] = value
            row_sources[key] = "finops-mcp"
        else:
            missing.append(key)
    for key in lustre:
        row_sources[f"lustre_gb_month.{key}"] = "sample-fsx-viewer"
    for cls in ("STANDARD_IA", "ONEZONE_IA", "GLACIER_IR", "EXPRESS_ONEZONE"):
        missing.append(f"s3_gb_month.{cls}")

    used = sorted(set(row_sources.values()))
    dated = [SOURCES[s]["date"] for s in used if not SOURCES[s].get("undated")]
    return {
        "region": region,
        "currency": "USD",
        "taken": min(dated),
        "source": "ultrafleet's shipped table (scripts/build_price_tables.py): "
        + ", ".join(f"{s} {SOURCES[s]['date']}" for s in used),
        "sources": {s: {k: v for k, v in SOURCES[s].items() if k not in ("file", "sha256")} for s in used},
        "instances": instances,
        "ultraservers": ultraservers,
        **{k: v for k, v in scalar.items() if not k.startswith("s3_gb_month.")},
        "lustre_gb_month": lustre,
        "s3_gb_month": {k.split(".", 1)[1]: v for k, v in scalar.items() if k.startswith("s3_gb_month.")},
        "row_sources": dict(sorted(row_sources.items())),
        "disagreements": disagreements,
        "missing": missing,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent.parent / "ultrafleet" / "catalog")
    args = parser.parse_args()
    for region in REGIONS:
        table = build(args.sources, region)
        out = args.output / f"prices-{region}.yaml"
        header = (
            "# Generated by scripts/build_price_tables.py from the sources named below; do not edit by hand.\n"
            "# A price no source gives is listed under missing and never guessed.\n"
        )
        out.write_text(header + yaml.safe_dump(table, sort_keys=False, width=118))
        print(f"wrote {out}: {len(table['row_sources'])} priced rows, {len(table['missing'])} missing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
