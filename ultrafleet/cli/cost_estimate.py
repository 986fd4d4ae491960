"""The whole cost estimate as data, for `ultrafleet cost` and `report`: the price table (shipped or --prices) with
its sources and age, the cost plan, purchase options per fleet, the workload's training runs and routes, and what
the checkpoint tier saves. Reads the price table; everything else is planning's pure arithmetic."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from ultrafleet.cli.cost_report import cost_data, round_usd

STALE_AFTER_DAYS = 90
"""Capacity Block rates move from month to month; a table older than this is flagged."""


def _relevant(key: str, spec, fleets) -> bool:
    """Whether a price-table key prices something this spec has (its types, UltraServers, storage)."""
    prefixes = {f"instances.{f.instance_type.name}." for f in fleets}
    prefixes |= {f"ultraservers.{f.ultraserver.name}." for f in fleets if f.ultraserver}
    prefixes |= {"ebs_gp3_gb_month", "nat_gateway_hourly", "public_ipv4_hourly", "alb_hourly"}
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
    return {"name": o.name, "usd_per_month": round_usd(o.usd_per_month), "basis": o.basis}


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
                "lost_usd_per_month": round_usd(o.lost_usd_per_month),
                "curve": [[round(t / 60, 3), round(share, 6)] for t, share in o.curve],
                "note": o.note,
            }
            for o in g.options
        ],
        "saved_usd_per_month": round_usd(g.saved_usd_per_month),
    }


def full_cost_data(deployment, prices: Path | None, *, today: datetime.date) -> dict[str, Any]:
    """Everything `ultrafleet cost` and `report` show, for a DeploymentPlan; SpecError on a bad table or a table for
    another region."""
    from ultrafleet.planning.cost import plan_cost
    from ultrafleet.planning.goodput import plan_goodput
    from ultrafleet.planning.prices import default_prices, load_prices
    from ultrafleet.planning.workload import always_on_options, plan_serving, plan_training

    spec, fleets = deployment.spec, deployment.resolved_fleets
    table = load_prices(prices) if prices else default_prices(spec.region)
    plan = plan_cost(spec, fleets, table)
    data = cost_data(spec.name, plan)
    data["prices"] = _prices_data(table, spec, fleets, today)
    monthly = {f.fleet: (None if any(x.hourly_usd is None for x in f.lines) else f.monthly_usd) for f in plan.fleets}
    by_name = {f.spec.name: f for f in fleets}
    runs = {r.fleet: r for r in (spec.workload.training if spec.workload else [])}
    goodput, training, warnings = [], [], []
    for ckpt in deployment.checkpoints:
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
                "usd_per_run": round_usd(t.usd_per_run),
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
                    "usd_per_month": round_usd(r.usd_per_month),
                    "usd_per_million_tokens": round_usd(r.usd_per_million_tokens),
                }
                for r in s_plan.routes
            ],
            "blended_usd_per_million_tokens": round_usd(s_plan.blended_usd_per_million_tokens),
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
