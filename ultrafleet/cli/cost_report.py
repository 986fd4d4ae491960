"""The cost plan as data (``--json``, described by planning/cost.schema.json) and as rich tables: fleets and
shared storage; with the whole estimate (ultrafleet.cli.cost_estimate) also the price sources, purchase options, the
workload's runs and tokens, and what the checkpoint tier saves."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from ultrafleet.planning.cost import CostPlan, Line
from ultrafleet.planning.prices import HOURS_PER_MONTH


def round_usd(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _line(line: Line) -> dict[str, Any]:
    return {
        "item": line.item,
        "quantity": line.quantity,
        "hourly_usd": round_usd(line.hourly_usd),
        "monthly_usd": round_usd(line.monthly_usd),
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
                "hourly_usd": round_usd(f.hourly_usd),
                "monthly_usd": round_usd(f.monthly_usd),
                "usd_per_million_tokens": round_usd(f.usd_per_million_tokens),
            }
            for f in plan.fleets
        ],
        "shared": [_line(line) for line in plan.shared],
        "total_hourly_usd": round_usd(plan.total_hourly_usd),
        "total_monthly_usd": round_usd(plan.total_monthly_usd),
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
        short = " (incomplete)" if any(line["hourly_usd"] is None for line in f["lines"]) else ""
        table.add_row(
            f["name"], f"[bold]fleet[/]{short}", "", _money(f["hourly_usd"]), _money(f["monthly_usd"]), tokens
        )
    for line in data["shared"]:
        table.add_row(
            "shared", line["item"], line["quantity"], _money(line["hourly_usd"]), _money(line["monthly_usd"]), ""
        )
    table.add_row("[bold]total[/]", "", "", _money(data["total_hourly_usd"]), _money(data["total_monthly_usd"]), "")
    console.print(table)
    if "training" in data:
        _print_sources(console, data)
        print_workload(console, data)
    if data["missing"]:
        console.print(
            f"  incomplete: the totals leave out what these prices or fields would add: {', '.join(data['missing'])}",
            highlight=False,
            soft_wrap=True,
        )


def print_cost_warnings(console: Console, data: dict[str, Any]) -> None:
    for line in data.get("warnings", []):
        console.print(line, highlight=False, soft_wrap=True)


def _print_sources(console: Console, data: dict[str, Any]) -> None:
    prices = data["prices"]
    for s in prices.get("sources", []):
        undated = " (undated snapshot: read on)" if s.get("undated") else ""
        console.print(
            f"  prices: {s['id']} {s['date']}{undated}: {s['origin']}; {s['license']}", highlight=False, soft_wrap=True
        )


def print_workload(console: Console, data: dict[str, Any]) -> None:
    """Training runs, routes and the purchase options side by side; what the checkpoint tier saves."""
    options = ("On-Demand", "Capacity Block", "Capacity Reservation", "Spot")
    table = Table(title="purchase options: $ per month")
    for col in ("fleet", "basis", *options):
        table.add_column(col, justify="left" if col in ("fleet", "basis") else "right")
    for row in data.get("options", []):
        by = {o["name"]: o["usd_per_month"] for o in row["options"]}
        table.add_row(row["fleet"], row["basis"], *(_money(by[o]) if o in by else "-" for o in options))
    console.print(table)
    if data.get("training") or data.get("inference"):
        table = Table(title="workload")
        for col in ("fleet", "use", "cost"):
            table.add_column(col)
        for t in data.get("training", []):
            hours = "unknown hours" if t["run_hours"] is None else f"{t['run_hours']:,.1f} h a run"
            block = f", Capacity Block {t['capacity_block_hours']:,} h" if t["capacity_block_hours"] else ""
            table.add_row(t["fleet"], f"training, {hours}{block}", f"{_money(t['usd_per_run'])} a run")
            table.add_row("", t["hours_explanation"], "")
        routes = (data.get("inference") or {}).get("routes", [])
        for r in routes:
            tokens = "missing" if r["usd_per_million_tokens"] is None else f"${r['usd_per_million_tokens']:,.4f}"
            use = f"{r['share']:.0%} of requests, {r['instances_needed']} instances needed of {r['instances']}"
            table.add_row(r["fleet"], use, f"{tokens} per 1M tokens")
        blended = (data.get("inference") or {}).get("blended_usd_per_million_tokens")
        if routes:
            value = "missing" if blended is None else f"${blended:,.4f}"
            table.add_row("blended", "all routes", f"{value} per 1M tokens")
        console.print(table)
    for g in data.get("checkpoint_savings", []):
        table = Table(title=f"checkpoint tier, {g['fleet']}: {g['nodes']} nodes, MTBF {g['mtbf_hours']:,.1f} h")
        for col in ("tiers", "waits on", "wait", "interval", "GPU time lost", "lost $/month"):
            table.add_column(col)
        for o in g["options"]:
            table.add_row(
                o["label"],
                o["tier"],
                "unknown" if o["wait_seconds"] is None else f"{o['wait_seconds']:,.1f} s",
                "-" if o["interval_minutes"] is None else f"{o['interval_minutes']:,.1f} min",
                "-" if o["lost_share"] is None else f"{o['lost_share']:.2%}",
                _money(o["lost_usd_per_month"]),
            )
        console.print(table)
        if g["saved_usd_per_month"] is not None:
            console.print(f"  the NVMe tier saves {_money(g['saved_usd_per_month'])} per month", highlight=False)
        console.print(
            f"  failure rate {g['failures_per_node_hour']:.3g} per node-hour: {g['failures_source']}",
            highlight=False,
            soft_wrap=True,
        )
