"""Write a price table (for `ultrafleet cost --prices`) from the AWS Price List Query API.

Usage: python scripts/regen_prices.py --region us-east-1 --output prices-us-east-1.yaml
Needs AWS credentials allowed pricing:GetProducts (the API answers in us-east-1 for every region). Writes On-Demand
instance prices for the catalog's types and the gp3 price, with the date and the query as source. Capacity Block,
Spot, Lustre and S3 prices are not read: the table names them missing until you add them.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

import boto3
import yaml

from ultrafleet.catalog import instance_types
from ultrafleet.planning.price_list import EBS_GP3_FILTERS, EC2_INSTANCE_FILTERS, on_demand_usd, term_match


def single_price(pricing, fields: dict[str, str], unit: str) -> float | None:
    prices = {
        price
        for page in pricing.get_paginator("get_products").paginate(ServiceCode="AmazonEC2", Filters=term_match(fields))
        for entry in page["PriceList"]
        if (price := on_demand_usd(entry, unit)) is not None
    }
    if len(prices) > 1:
        raise SystemExit(f"{fields}: several prices {sorted(prices)}; narrow the filters")
    return prices.pop() if prices else None


def fetch(pricing, region: str, types: list[str]) -> tuple[dict, list[str]]:
    instances, missing = {}, []
    for name in types:
        price = single_price(pricing, EC2_INSTANCE_FILTERS | {"regionCode": region, "instanceType": name}, "Hrs")
        if price is None:
            missing.append(name)
        else:
            instances[name] = {"on_demand_hourly": price}
    table = {"instances": instances}
    gp3 = single_price(pricing, EBS_GP3_FILTERS | {"regionCode": region}, "GB-Mo")
    if gp3 is not None:
        table["ebs_gp3_gb_month"] = gp3
    return table, missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()
    pricing = boto3.client("pricing", region_name="us-east-1")
    prices, missing = fetch(pricing, args.region, sorted(instance_types()))
    filters = ", ".join(f"{k}={v}" for k, v in EC2_INSTANCE_FILTERS.items())
    table = {
        "region": args.region,
        "taken": datetime.date.today().isoformat(),
        "source": f"AWS Price List Query API, pricing:GetProducts AmazonEC2 On-Demand ({filters}; gp3 volumes)",
        **prices,
    }
    args.output.write_text(yaml.safe_dump(table, sort_keys=False))
    unpriced = ", ".join(missing) or "none"
    print(f"wrote {args.output}: {len(prices['instances'])} instance types; no On-Demand price for: {unpriced}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
