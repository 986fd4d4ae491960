"""The cost report as one self-contained HTML file (``ultrafleet report SPEC --html FILE``).

It opens with no network: plotly.js (from the pinned ``plotly`` package, which bundles it) is inlined once, and
each chart's figure is a JSON block in the page that the inlined library draws. The whole cost data is embedded as
JSON too (``<script id="ultrafleet-cost-data">``), so the numbers a chart shows can be read back.
"""

from __future__ import annotations

import html
import json
from typing import Any

CHART_IDS = ("monthly-cost", "purchase-options", "checkpoint-interval")
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
USD_AXIS = {"title": {"text": "USD per month", "standoff": 12}, "tickformat": "$,.0f", "automargin": True}
LAYOUT = {
    "template": "plotly_white",
    "height": 420,
    "margin": {"l": 100, "r": 20, "t": 50, "b": 60},
    "legend": {"orientation": "h", "y": -0.18},
    "font": {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 13},
}


def _e(value: Any) -> str:
    return html.escape(str(value))


def _money(value: float | None) -> str:
    return "missing" if value is None else f"${value:,.2f}"


CATEGORIES = {
    "gp3": "EBS gp3",
    "FSx": "FSx for Lustre",
    "S3": "S3",
    "NAT": "network",
    "public IPv4": "network",
    "Application Load Balancer": "network",
}
"""Cost line item prefix -> the chart's stack."""


def _category(item: str) -> str:
    for prefix, name in CATEGORIES.items():
        if item.startswith(prefix):
            return name
    return "instances"


def monthly_chart(data: dict[str, Any]) -> dict[str, Any]:
    """Stacked bars: each fleet's and the shared storage's monthly cost, by what is bought."""
    groups = [(f["name"], f["lines"]) for f in data["fleets"]] + [("shared storage", data["shared"])]
    names = [g for g, _ in groups]
    traces = []
    for cat in ("instances", "EBS gp3", "FSx for Lustre", "S3", "network"):
        y = [
            round(sum(line["monthly_usd"] or 0 for line in lines if _category(line["item"]) == cat), 2)
            for _, lines in groups
        ]
        if any(y):
            traces.append(
                {
                    "type": "bar",
                    "name": cat,
                    "x": names,
                    "y": y,
                    "hovertemplate": "%{x}: $%{y:,.0f}<extra>" + cat + "</extra>",
                }
            )
    totals = [round(sum(line["monthly_usd"] or 0 for line in lines), 2) for _, lines in groups]
    incomplete = [any(line["monthly_usd"] is None for line in lines) for _, lines in groups]
    labels = [
        {
            "x": name,
            "y": total,
            "text": f"${total:,.0f}" + (" + missing prices" if short else ""),
            "showarrow": False,
            "yanchor": "bottom",
        }
        for name, total, short in zip(names, totals, incomplete, strict=True)
    ]
    return {
        "data": traces,
        "layout": {
            **LAYOUT,
            "barmode": "stack",
            "title": {"text": "Monthly cost by fleet"},
            "annotations": labels,
            "yaxis": USD_AXIS,
        },
    }


def options_chart(data: dict[str, Any]) -> dict[str, Any]:
    """Grouped bars: each fleet's monthly cost under each purchase option it can use (a training fleet with a
    workload: its runs; any other fleet: all month at the spec's size)."""
    rows = [(row["fleet"], row["options"]) for row in data.get("options", [])]
    traces = []
    for option in ("On-Demand", "Capacity Block", "Capacity Reservation", "Spot"):
        x, y = [], []
        for fleet, options in rows:
            value = next((o["usd_per_month"] for o in options if o["name"] == option), None)
            if value is not None:
                x.append(fleet)
                y.append(round(value, 2))
        if x:
            traces.append(
                {
                    "type": "bar",
                    "name": option,
                    "x": x,
                    "y": y,
                    "texttemplate": "$%{y:,.3s}",
                    "textposition": "outside",
                    "cliponaxis": False,
                    "hovertemplate": "%{x}: $%{y:,.0f}<extra>" + option + "</extra>",
                }
            )
    return {
        "data": traces,
        "layout": {
            **LAYOUT,
            "barmode": "group",
            "title": {"text": "Purchase options side by side"},
            "yaxis": USD_AXIS,
            "xaxis": {"categoryorder": "array", "categoryarray": [fleet for fleet, _ in rows]},
            "annotations": [
                {"x": fleet, "y": 0, "text": "no price", "showarrow": False, "yanchor": "bottom"}
                for fleet, options in rows
                if all(o["usd_per_month"] is None for o in options)
            ],
        },
    }


def interval_chart(data: dict[str, Any]) -> dict[str, Any]:
    """Lines: the share of GPU time lost against the checkpoint interval, with and without the NVMe tier."""
    traces = []
    curves = [(g, o) for g in data.get("checkpoint_savings", []) for o in g["options"] if o["curve"]]
    for k, (g, o) in enumerate(curves):
        colour = COLOURS[k % len(COLOURS)]
        name = f"{g['fleet']}, {o['label']} ({o['tier']})"
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "line": {"color": colour},
                "x": [p[0] for p in o["curve"]],
                "y": [round(p[1] * 100, 4) for p in o["curve"]],
                "hovertemplate": "every %{x:,.1f} min: %{y:.2f}% lost<extra>" + _e(name) + "</extra>",
            }
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "showlegend": False,
                "name": name + " optimum",
                "x": [o["interval_minutes"]],
                "y": [round(o["lost_share"] * 100, 4)],
                "marker": {"size": 11, "symbol": "diamond", "color": colour},
                "hovertemplate": "Young/Daly optimum: every %{x:,.1f} min, %{y:.2f}% lost<extra></extra>",
            }
        )
    return {
        "data": traces,
        "layout": {
            **LAYOUT,
            "title": {"text": "GPU time lost against checkpoint interval"},
            "xaxis": {"title": {"text": "checkpoint interval (minutes, log scale)"}, "type": "log"},
            "yaxis": {
                "title": {"text": "% of GPU time lost", "standoff": 12},
                "rangemode": "tozero",
                "automargin": True,
            },
        },
    }


def _table(head: list[str], rows: list[list[str]], numeric_from: int = 2) -> str:
    th = "".join(f"<th{' class=num' if i >= numeric_from else ''}>{_e(h)}</th>" for i, h in enumerate(head))
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i >= numeric_from else ''}>{_e(c)}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _cost_rows(data: dict[str, Any]) -> list[list[str]]:
    rows = []
    for f in data["fleets"]:
        rows += [
            [f["name"], x["item"], x["quantity"], _money(x["hourly_usd"]), _money(x["monthly_usd"])] for x in f["lines"]
        ]
    rows += [
        ["shared", x["item"], x["quantity"], _money(x["hourly_usd"]), _money(x["monthly_usd"])] for x in data["shared"]
    ]
    rows.append(["total", "", "", _money(data["total_hourly_usd"]), _money(data["total_monthly_usd"])])
    return rows


def _workload_rows(data: dict[str, Any]) -> list[list[str]]:
    rows = []
    for t in data.get("training", []):
        hours = "unknown" if t["run_hours"] is None else f"{t['run_hours']:,.1f} h per run"
        block = f"; Capacity Block {t['capacity_block_hours']:,} h" if t["capacity_block_hours"] else ""
        rows.append(
            [t["fleet"], "training", hours + block, _money(t["usd_per_run"]) + " per run", t["hours_explanation"]]
        )
    for r in (data.get("inference") or {}).get("routes", []):
        per_m = "missing" if r["usd_per_million_tokens"] is None else f"${r['usd_per_million_tokens']:,.4f}"
        rows.append(
            [
                r["fleet"],
                f"{r['share']:.0%} of requests",
                f"{r['instances_needed']} instances needed, {r['instances']} in the spec",
                f"{per_m} per 1M tokens",
                f"{r['utilisation']:.0%} average utilisation",
            ]
        )
    return rows


def _savings_rows(data: dict[str, Any]) -> list[list[str]]:
    rows = []
    for g in data.get("checkpoint_savings", []):
        for o in g["options"]:
            rows.append(
                [
                    g["fleet"],
                    o["label"],
                    o["tier"],
                    "unknown" if o["wait_seconds"] is None else f"{o['wait_seconds']:,.1f} s",
                    "-" if o["interval_minutes"] is None else f"{o['interval_minutes']:,.1f} min",
                    "-" if o["lost_share"] is None else f"{o['lost_share']:.2%}",
                    "-" if o["lost_parts"] is None else " / ".join(f"{v:.2%}" for v in o["lost_parts"].values()),
                    _money(o["lost_usd_per_month"]),
                ]
            )
    return rows


def _no_saving(data: dict[str, Any]) -> str:
    unknown = [
        g["fleet"]
        for g in data["checkpoint_savings"]
        if g["options"][0]["tier"] == "nvme" and g["options"][0]["wait_seconds"] is None
    ]
    if unknown:
        return (
            f"The NVMe write time is unknown ({', '.join(unknown)}): set storage.nvme_cache.write_gb_s_per_node to a "
            "measured figure to see what the NVMe tier saves. Below: the same fleets without it."
        )
    return "No fleet has an NVMe tier to compare with."


def _json_block(element_id: str, value: Any) -> str:
    text = json.dumps(value).replace("</", "<\\/")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


UNDATED = " (undated snapshot; the day it was read)"
STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1320px;color:#1f2933;
padding:0 16px}
h1{font-size:26px;margin-bottom:4px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #d9e2ec;
padding-bottom:4px}
.meta{color:#52606d;margin:2px 0}.warn{background:#fff8e1;border-left:4px solid #f0b429;padding:8px 12px;margin:6px 0}
table{border-collapse:collapse;width:100%;font-size:14px;margin:8px 0}th,td{padding:5px 8px;
border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}th{background:#f5f7fa}.num{text-align:right;
white-space:nowrap}.chart{width:100%;min-height:420px;margin:8px 0 24px}.missing{color:#9b2c2c}
.sources li{margin:3px 0}.total{font-size:18px;margin:10px 0}
"""


def _plotly_js() -> str:
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        raise SystemExit("ultrafleet report --html needs plotly: pip install 'ultrafleet[report]'") from None
    return get_plotlyjs()


def render_html(data: dict[str, Any]) -> str:
    charts = dict(zip(CHART_IDS, (monthly_chart(data), options_chart(data), interval_chart(data)), strict=True))
    prices = data["prices"]
    warnings = "".join(f'<div class="warn">{_e(w)}</div>' for w in data.get("warnings", []))
    sources = (
        "".join(
            f"<li><b>{_e(s['id'])}</b>, {_e(s['date'])}{UNDATED if s['undated'] else ''}"
            f": {_e(s['origin'])}. {_e(s['basis'])}. License: {_e(s['license'])}</li>"
            for s in prices.get("sources", [])
        )
        or f"<li>{_e(prices['source'])}</li>"
    )
    missing = (
        f'<p class="missing">Left out of the totals, since the price table has no figure: '
        f"{_e(', '.join(data['missing']))}</p>"
        if data["missing"]
        else "<p>Every price the spec needs is in the table.</p>"
    )
    blended = (data.get("inference") or {}).get("blended_usd_per_million_tokens")
    sections = [
        f"<h1>{_e(data['spec'])}: cost before deploy</h1>",
        f'<p class="meta">Region {_e(data["region"])}; prices taken {_e(prices["taken"])}'
        f" ({_e(prices.get('age_days', '?'))} days before this report); a month is {data['hours_per_month']} hours"
        " (AWS Pricing Calculator).</p>",
        warnings,
        f'<p class="total">Total: <b>{_money(data["total_monthly_usd"])}</b> per month '
        f"({_money(data['total_hourly_usd'])} per hour)"
        + (f"; blended <b>${blended:,.4f}</b> per 1M tokens across the routes" if blended is not None else "")
        + "</p>",
        missing,
        "<h2>Monthly cost by fleet</h2>",
        '<div class="chart" id="chart-monthly-cost"></div>',
        _table(["fleet", "item", "quantity", "hourly", "monthly"], _cost_rows(data), numeric_from=3),
    ]
    names = ("On-Demand", "Capacity Block", "Capacity Reservation", "Spot")
    option_rows = [
        [row["fleet"], row["basis"]]
        + [next((_money(o["usd_per_month"]) for o in row["options"] if o["name"] == n), "-") for n in names]
        for row in data.get("options", [])
    ]
    sections += [
        "<h2>Purchase options side by side</h2>",
        '<div class="chart" id="chart-purchase-options"></div>',
        _table(["fleet", "basis", *names], option_rows),
    ]
    if data.get("training") or data.get("inference"):
        sections += [
            "<h2>Workload: training runs and tokens</h2>",
            _table(["fleet", "use", "size", "cost", "how"], _workload_rows(data), numeric_from=9),
        ]
    if data.get("checkpoint_savings"):
        saved = [
            f"{g['fleet']}: {_money(g['saved_usd_per_month'])} per month"
            for g in data["checkpoint_savings"]
            if g["saved_usd_per_month"] is not None
        ]
        sections += [
            "<h2>What the checkpoint tier saves</h2>",
            f"<p>{_e('; '.join(saved)) if saved else _e(_no_saving(data))}</p>",
            '<div class="chart" id="chart-checkpoint-interval"></div>',
            _table(
                [
                    "fleet",
                    "tiers",
                    "waits on",
                    "wait",
                    "interval",
                    "GPU time lost",
                    "writes / recompute / restarts",
                    "lost $/month",
                ],
                _savings_rows(data),
                numeric_from=3,
            ),
            f'<p class="meta">Failure rate: {_e(data["checkpoint_savings"][0]["failures_source"])}. Interval '
            "sqrt(2 x checkpoint wait x MTBF) (Young 1974; Daly 2006).</p>",
        ]
    sections += ["<h2>Price sources</h2>", f'<ul class="sources">{sources}</ul>']
    if prices.get("disagreements"):
        sections.append("<p>Where sources disagree: " + _e("; ".join(prices["disagreements"])) + "</p>")
    blocks = "".join(_json_block(f"chart-data-{cid}", fig) for cid, fig in charts.items())
    draw = (
        "for (const id of " + json.dumps(list(CHART_IDS)) + ") {"
        "const el = document.getElementById('chart-' + id); if (!el) continue;"
        "const fig = JSON.parse(document.getElementById('chart-data-' + id).textContent);"
        "if (!fig.data.length) { el.textContent = 'No data for this chart.'; el.style.minHeight = '0'; continue; }"
        "Plotly.newPlot(el, fig.data, fig.layout, {displaylogo: false, responsive: true});}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(data['spec'])} cost report</title><style>{STYLE}</style>"
        f"<script>{_plotly_js()}</script></head><body>"
        + "".join(sections)
        + _json_block("ultrafleet-cost-data", data)
        + blocks
        + f"<script>{draw}</script></body></html>\n"
    )
