"""Price tables: the unit prices `ultrafleet cost` multiplies, kept as data with their region, date and source.

ultrafleet ships one table per region (``ultrafleet/catalog/prices-<region>.yaml``, built by
scripts/build_price_tables.py from dated public sources, each row naming its source); ``--prices FILE`` (YAML or
JSON) replaces it. Prices a table leaves out are reported as missing, never assumed.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from ultrafleet.findings import SpecError, error

HOURS_PER_MONTH = 730
"""The month the AWS Pricing Calculator uses (24 x 365 / 12; AWS Pricing Calculator User Guide)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _price(value: float) -> float:
    if value <= 0:
        raise ValueError(f"{value:g}: a price must be above 0; correct it, or leave it out to have it reported missing")
    return value


Price = Annotated[float, AfterValidator(_price)]


class InstancePrices(_Model):
    on_demand_hourly: Price | None = None
    """On-Demand, Linux, shared tenancy; also what a Capacity Reservation costs per hour, used or not."""
    capacity_block_hourly: Price | None = None
    """A Capacity Block's effective hourly rate per instance (its fee, paid up front, over its hours)."""
    spot_hourly: Price | None = None
    """An expected Spot price; Spot prices move by zone and hour."""


class Source(_Model):
    """Where a shipped table's rows come from."""

    origin: str = Field(min_length=1)
    """Repository, path and commit, or package, version and file."""
    basis: str = Field(min_length=1)
    """What the source itself read its figures from."""
    license: str = Field(min_length=1)
    date: date
    """The date of its figures; for an undated snapshot, the day it was read."""
    undated: bool = False
    """True: the source gives no date for its figures (a snapshot)."""


class UltraServerPrices(_Model):
    capacity_block_hourly: Price
    """A Capacity Block's effective hourly rate for the whole UltraServer."""
    zone: str
    """Where it is sold (UltraServers are sold in some zones only, e.g. a Local Zone)."""


class PriceTable(_Model):
    region: str
    currency: str = Field(default="USD", pattern=r"^USD$")
    taken: date
    """When the prices were read."""
    source: str = Field(min_length=1)
    """Where they were read: the price list, page or contract."""
    instances: dict[str, InstancePrices] = {}
    ebs_gp3_gb_month: Price | None = None
    lustre_gb_month: dict[str, Price] = {}
    """By deployment type and per-unit throughput: ``PERSISTENT_2/125`` ... ``PERSISTENT_2/1000``, ``SCRATCH_2``."""
    s3_gb_month: dict[str, Price] = {}
    """By storage class: STANDARD, INTELLIGENT_TIERING, STANDARD_IA, GLACIER_IR."""
    ultraservers: dict[str, UltraServerPrices] = {}
    ebs_gp3_iops_month: Price | None = None
    """Per provisioned IOPS-month above gp3's included baseline."""
    ebs_gp3_mib_s_month: Price | None = None
    """Per provisioned MiB/s-month above gp3's included baseline."""
    nat_gateway_hourly: Price | None = None
    public_ipv4_hourly: Price | None = None
    """Per public IPv4 address (a NAT gateway's Elastic IP)."""
    alb_hourly: Price | None = None
    """An Application Load Balancer's hourly charge, without LCUs."""
    sources: dict[str, Source] = {}
    """Shipped tables: the sources their rows name."""
    row_sources: dict[str, str] = {}
    """Shipped tables: price key (as ``missing`` names it) -> source id."""
    disagreements: list[str] = []
    """Shipped tables: rows where sources gave different figures, and which one was kept."""
    missing: list[str] = []
    """Shipped tables: price keys no source gives."""

    def source_of(self, key: str) -> Source | None:
        sid = self.row_sources.get(key)
        return self.sources.get(sid) if sid else None


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
                error(
                    "UF-COST-001",
                    f"{path}:{'.'.join(str(p) for p in e['loc']) or '(table)'}",
                    e["msg"].removeprefix("Value error, "),
                )
                for e in exc.errors()
            ]
        ) from None


def shipped_table_path(region: str) -> Path | None:
    """The package's price table for ``region``; None when ultrafleet ships none."""
    path = Path(str(resources.files("ultrafleet.catalog").joinpath(f"prices-{region}.yaml")))
    return path if path.is_file() else None


def default_prices(region: str) -> PriceTable:
    """The shipped table for ``region``; SpecError naming the region and the fix when there is none."""
    path = shipped_table_path(region)
    if path is None:
        shipped = sorted(p.name[len("prices-") : -len(".yaml")] for p in shipped_tables())
        raise SpecError(
            [
                error(
                    "UF-COST-003",
                    "region",
                    f"{region}: ultrafleet ships no price table for it (it ships {', '.join(shipped)}); pass "
                    "--prices FILE (scripts/regen_prices.py writes one from the Price List API)",
                )
            ]
        )
    return load_prices(path)


def shipped_tables() -> list[Path]:
    return sorted(Path(str(resources.files("ultrafleet.catalog"))).glob("prices-*.yaml"))
