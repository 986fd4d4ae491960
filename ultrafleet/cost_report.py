"""The cost plan as data (``--json``, described by planning/cost.schema.json) and as a rich table: prices with
their sources and age, fleets and shared storage, the workload's runs, tokens and purchase options, and what the
checkpoint tier saves."""

from __future__ import annotations

import datetime
from pathlib import Path
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
    if "training" in data:
        _print_sources(console, data)
        print_workload(console, data)
    if data["missing"]:
        console.print(
            f"  incomplete: the totals leave out what these prices or fields would add: {', '.join(data['missing'])}",
            highlight=False,
            soft_wrap=True,
        )


STALE_AFTER_DAYS = 90
"""Capacity Block rates move from month to month; a table older than this is flagged."""


def _relevant(key: str, spec, fleets) -> bool:
    """Whether a price-table key prices something this spec has (its types, UltraServers, storage)."""
    prefixes = {f"instances.{f.instance_type.name}." for f in fleets}
    prefixes |= {f"ultraservers.{f.ultraserver.name}." for f in fleets if f.ultraserver}
    prefixes |= {"ebs_gp3_gb_month"}
    if spec.storage.lustre:
        prefixes.add(f"lustre_gb_month.{spec.storage.lustre.deployment_type}")
    if spec.storage.checkpoint and spec.storage.checkpoint.kept_in_s3:
        prefixes.add("s3_gb_month.")
    return any(key.startswith(p) for p in prefixes)


def _prices_data(table, spec, fleets, today: datetime.date) -> dict[str, Any]:
    """The table's region, date and age, and the sources of the rows that price what the spec has."""
    used = sorted({sid for key, sid in table.row_sources.items() if _relevant(key, spec, fleets)})
    age = (today - table.taken).days
    return {
        "region": table.region,
        "taken": table.taken.isoformat(),
        "source": table.source,
        "age_days": age,
        "stale": age > STALE_AFTER_DAYS,
        "sources": [
            {"id": sid, **{k: str(v) if k == "date" else v for k, v in table.sources[sid].model_dump().items()}}
            for sid in used
            if sid in table.sources
        ],
        "disagreements": list(table.disagreements),
    }


def _option(o) -> dict[str, Any]:
    return {"name": o.name, "usd_per_month": _usd(o.usd_per_month), "basis": o.basis}


def _goodput_data(g) -> dict[str, Any]:
    return {
        "fleet": g.fleet,
        "failures_per_node_hour": g.failures_per_node_hour,
        "failures_source": g.failures_source,
        "nodes": g.nodes,
        "mtbf_hours": round(g.mtbf_seconds / 3600, 3),
        "restart_seconds": g.restart_seconds,
        "options": [
            {
                "label": o.label,
                "tier": o.tier,
                "wait_seconds": None if o.wait_seconds is None else round(o.wait_seconds, 3),
                "interval_minutes": None if o.interval_seconds is None else round(o.interval_seconds / 60, 3),
                "lost_share": None if o.lost_share is None else round(o.lost_share, 6),
                "lost_parts": None
                if o.lost_parts is None
                else dict(
                    zip(
                        ("checkpoint_writes", "recomputation", "restarts"),
                        (round(x, 6) for x in o.lost_parts),
                        strict=True,
                    )
                ),
                "lost_usd_per_month": _usd(o.lost_usd_per_month),
                "curve": [[round(t / 60, 3), round(share, 6)] for t, share in o.curve],
                "note": o.note,
            }
            for o in g.options
        ],
        "saved_usd_per_month": _usd(g.saved_usd_per_month),
    }


def full_cost_data(spec, fleets, prices: Path | None, *, today: datetime.date) -> dict[str, Any]:
    """Everything `ultrafleet cost` and `report` show; SpecError on a bad table or a table for another region."""
    from ultrafleet.planning.checkpoint import plan_checkpoints
    from ultrafleet.planning.cost import plan_cost
    from ultrafleet.planning.goodput import plan_goodput
    from ultrafleet.planning.prices import default_prices, load_prices
    from ultrafleet.planning.workload import always_on_options, plan_serving, plan_training

    table = load_prices(prices) if prices else default_prices(spec.region)
    plan = plan_cost(spec, fleets, table)
    data = cost_data(spec.name, plan)
    data["prices"] = _prices_data(table, spec, fleets, today)
    monthly = {f.fleet: (None if any(x.hourly_usd is None for x in f.lines) else f.monthly_usd) for f in plan.fleets}
    by_name = {f.spec.name: f for f in fleets}
    runs = {r.fleet: r for r in (spec.workload.training if spec.workload else [])}
    goodput, training, warnings = [], [], []
    for ckpt in plan_checkpoints(spec, fleets):
        run = runs.get(ckpt.fleet)
        g = plan_goodput(
            ckpt,
            nodes=by_name[ckpt.fleet].instances,
            monthly_usd=monthly.get(ckpt.fleet),
            failures_per_node_hour=run.failures_per_node_hour if run else None,
            failures_source=run.failures_source if run else None,
            restart_seconds=run.restart_seconds if run else None,
        )
        goodput.append(g)
    lost = {g.fleet: g.options[0].lost_share for g in goodput}
    for run in runs.values():
        t = plan_training(run, by_name[run.fleet], table, lost.get(run.fleet))
        training.append(
            {
                "fleet": t.fleet,
                "instances": t.instances,
                "peak_pflops": None if t.peak_pflops is None else round(t.peak_pflops, 3),
                "peak_source": t.peak_source,
                "run_hours": None if t.run_hours is None else round(t.run_hours, 3),
                "hours_explanation": t.hours_explanation,
                "lost_share": None if t.lost_share is None else round(t.lost_share, 6),
                "capacity_block_hours": t.capacity_block_hours,
                "runs_per_month": round(t.runs_per_month, 4),
                "usd_per_run": _usd(t.usd_per_run),
                "options": [_option(o) for o in t.options],
            }
        )
    serving = None
    if spec.workload and spec.workload.inference:
        s_plan, found = plan_serving(spec, by_name, monthly, table)
        warnings += [str(f) for f in found]
        serving = {
            "routes": [
                {
                    "fleet": r.fleet,
                    "share": r.share,
                    "tokens_per_month": r.tokens_per_month,
                    "instances_needed": r.instances_needed,
                    "instances": r.instances,
                    "utilisation": round(r.utilisation, 4),
                    "usd_per_month": _usd(r.usd_per_month),
                    "usd_per_million_tokens": _usd(r.usd_per_million_tokens),
                }
                for r in s_plan.routes
            ],
            "blended_usd_per_million_tokens": _usd(s_plan.blended_usd_per_million_tokens),
        }
    if data["prices"]["stale"]:
        warnings.insert(
            0,
            f"warning UF-COST-101 prices: the table was taken {data['prices']['taken']}, "
            f"{data['prices']['age_days']} days ago (over {STALE_AFTER_DAYS}); Capacity Block rates move monthly: "
            "rebuild it (scripts/build_price_tables.py) or pass --prices",
        )
    data["options"] = []
    for f in fleets:
        run_options = next((t["options"] for t in training if t["fleet"] == f.spec.name), None)
        data["options"].append(
            {
                "fleet": f.spec.name,
                "basis": "the workload's training runs" if run_options else "all month at the spec's size",
                "options": run_options or [_option(o) for o in always_on_options(f, table)],
            }
        )
    data["training"] = training
    data["inference"] = serving
    data["checkpoint_savings"] = [_goodput_data(g) for g in goodput]
    data["warnings"] = warnings
    return data


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
