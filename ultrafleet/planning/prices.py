"""Price tables: the unit prices `ultrafleet cost` multiplies, kept as data with their region, date and source.

A table is a YAML or JSON file (``--prices FILE``); ultrafleet ships none yet (see the README). Prices the table
leaves out are reported as missing, never assumed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ultrafleet.findings import SpecError, error

HOURS_PER_MONTH = 730
"""The month the AWS Pricing Calculator uses (24 x 365 / 12; AWS Pricing Calculator User Guide)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InstancePrices(_Model):
    on_demand_hourly: float | None = Field(default=None, ge=0)
    """On-Demand, Linux, shared tenancy; also what a Capacity Reservation costs per hour, used or not."""
    capacity_block_hourly: float | None = Field(default=None, ge=0)
    """A Capacity Block's effective hourly rate per instance (its fee, paid up front, over its hours)."""
    spot_hourly: float | None = Field(default=None, ge=0)
    """An expected Spot price; Spot prices move by zone and hour."""


class PriceTable(_Model):
    region: str
    currency: str = Field(default="USD", pattern=r"^USD$")
    taken: date
    """When the prices were read."""
    source: str = Field(min_length=1)
    """Where they were read: the price list, page or contract."""
    instances: dict[str, InstancePrices] = {}
    ebs_gp3_gb_month: float | None = Field(default=None, ge=0)
    lustre_gb_month: dict[str, float] = {}
    """By deployment type and per-unit throughput: ``PERSISTENT_2/125`` ... ``PERSISTENT_2/1000``, ``SCRATCH_2``."""
    s3_gb_month: dict[str, float] = {}
    """By storage class: STANDARD, INTELLIGENT_TIERING, STANDARD_IA, GLACIER_IR."""


def load_prices(path: Path) -> PriceTable:
    """Read a price table; SpecError naming the file and field on any problem."""
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise SpecError([error("UF-COST-001", str(path), f"cannot be read: {exc.strerror}")]) from None
    except yaml.YAMLError as exc:
        raise SpecError([error("UF-COST-001", str(path), f"is not valid YAML: {exc}")]) from None
    try:
        return PriceTable.model_validate(data)
    except ValidationError as exc:
        raise SpecError(
            [
                error("UF-COST-001", f"{path}:{'.'.join(str(p) for p in e['loc']) or '(table)'}", e["msg"])
                for e in exc.errors()
            ]
        ) from None
