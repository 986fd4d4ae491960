"""The cost plan as data (``--json``, described by planning/cost.schema.json) and as a rich table."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from ultrafleet.planning.cost import CostPlan, Line
from ultrafleet.planning.prices import HOURS_PER_MONTH


def _usd(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _line(line: Line) -> dict[str, Any]:
    return {
        "item": line.item,
        "quantity": line.quantity,
        "hourly_usd": _usd(line.hourly_usd),
        "monthly_usd": _usd(line.monthly_usd),
    }


def cost_data(spec_name: str, plan: CostPlan) -> dict[str, Any]:
    table = plan.prices
    return {
        "spec": spec_name,
        "region": table.region,
        "prices": {"region": table.region, "taken": table.taken.isoformat(), "source": table.source},
        "hours_per_month": HOURS_PER_MONTH,
        "fleets": [
            {
                "name": f.fleet,
                "lines": [_line(line) for line in f.lines],
                "hourly_usd": _usd(f.hourly_usd),
                "monthly_usd": _usd(f.monthly_usd),
                "usd_per_million_tokens": _usd(f.usd_per_million_tokens),
            }
            for f in plan.fleets
        ],
        "shared": [_line(line) for line in plan.shared],
        "total_hourly_usd": _usd(plan.total_hourly_usd),
        "total_monthly_usd": _usd(plan.total_monthly_usd),
        "complete": not plan.missing,
        "missing": list(plan.missing),
    }


def _money(value: float | None) -> str:
    return "missing" if value is None else f"${value:,.2f}"


def print_cost(console: Console, data: dict[str, Any]) -> None:
    """One row per priced item, fleet subtotals, the total, and what the table lacked."""
    prices = data["prices"]
    table = Table(title=f"cost ({prices['region']}, prices taken {prices['taken']}: {prices['source']})")
    for col in ("fleet", "item", "quantity", "hourly", "monthly", "$/M tokens"):
        table.add_column(col, justify="right" if col in ("hourly", "monthly", "$/M tokens") else "left")
    for f in data["fleets"]:
        for line in f["lines"]:
            table.add_row(
                f["name"], line["item"], line["quantity"], _money(line["hourly_usd"]), _money(line["monthly_usd"]), ""
            )
        tokens = "" if f["usd_per_million_tokens"] is None else f"${f['usd_per_million_tokens']:,.4f}"
        table.add_row(f["name"], "[bold]fleet[/]", "", _money(f["hourly_usd"]), _money(f["monthly_usd"]), tokens)
    for line in data["shared"]:
        table.add_row(
            "shared", line["item"], line["quantity"], _money(line["hourly_usd"]), _money(line["monthly_usd"]), ""
        )
    table.add_row("[bold]total[/]", "", "", _money(data["total_hourly_usd"]), _money(data["total_monthly_usd"]), "")
    console.print(table)
    if data["missing"]:
        console.print(
            f"  incomplete: the totals leave out what these prices or fields would add: {', '.join(data['missing'])}",
            highlight=False,
            soft_wrap=True,
        )
