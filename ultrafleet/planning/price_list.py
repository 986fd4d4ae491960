"""Read prices out of the AWS Price List Query API (pricing:GetProducts), for scripts/regen_prices.py.

Each PriceList entry is a JSON document: ``product.attributes`` describe the SKU, and ``terms.OnDemand`` holds one
offer term whose ``priceDimensions`` carry ``unit`` and ``pricePerUnit.USD``. Only On-Demand terms are read.
"""

from __future__ import annotations

import json
from typing import Any

EC2_INSTANCE_FILTERS = {
    "locationType": "AWS Region",
    "operatingSystem": "Linux",
    "tenancy": "Shared",
    "preInstalledSw": "NA",
    "capacitystatus": "Used",
}
"""On-Demand Linux on shared hardware without pre-installed software, for instances in use (not reservations), in
the region itself (Local Zones have their own SKUs and prices)."""
EBS_GP3_FILTERS = {"locationType": "AWS Region", "productFamily": "Storage", "volumeApiName": "gp3"}


def term_match(fields: dict[str, str]) -> list[dict[str, str]]:
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in fields.items()]


def on_demand_usd(entry: str | dict[str, Any], unit: str) -> float | None:
    """The one On-Demand price in ``unit`` (Hrs, GB-Mo) of a PriceList entry; None when there is none, and an
    error when there are several, since the filters should have narrowed the SKU to one price."""
    doc = json.loads(entry) if isinstance(entry, str) else entry
    prices = [
        float(dimension["pricePerUnit"]["USD"])
        for term in doc.get("terms", {}).get("OnDemand", {}).values()
        for dimension in term["priceDimensions"].values()
        if dimension["unit"] == unit
    ]
    if len(prices) > 1:
        raise ValueError(f"{doc['product']['sku']}: {len(prices)} On-Demand prices in {unit}; narrow the filters")
    return prices[0] if prices else None
