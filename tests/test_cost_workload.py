"""The cost of a model's life and what the checkpoint tier saves, against examples worked by hand below (invented
round prices from tests/fixtures/prices-test.yaml); the shipped table by default and its age; bad workload input;
and the HTML report as a browser gets it."""

from __future__ import annotations

import datetime
import json
import math
from html.parser import HTMLParser
from importlib import resources

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from conftest import ROOT, fleet, spec_dict
from ultrafleet.cli import commands as cli
from ultrafleet.planning.goodput import LLAMA3_FAILURES_PER_NODE_HOUR, lost_share, young_daly_interval
from ultrafleet.planning.workload import capacity_block_hours

runner = CliRunner()
PRICES = ROOT / "tests/fixtures/prices-test.yaml"
FIXTURE_DAY = datetime.date(2026, 11, 23)  # the fixture table's date

# The fleet's mean time between failures, from the Llama 3 rate: 419 failures / (2,048 nodes x 54 days x 24 h)
# per node-hour, on 2 nodes: 2,654,208 / (419 x 2) = 3,167.31 h = 11,402,325.5 s.
MTBF_S = 3600 * 2048 * 1296 / (419 * 2)


def worked_spec() -> dict:
    return spec_dict(
        fleets=[
            fleet(
                availability_zones=["us-east-1a"],
                capacity={"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0"},
            ),
            {
                "name": "serve",
                "role": "inference",
                "instance_type": "g6e.xlarge",
                "count": 4,
                "availability_zones": ["us-east-1a", "us-east-1b"],
                "inference": {"min_size": 2, "max_size": 8, "spot_percent": 50},
            },
            {
                "name": "serve2",
                "role": "inference",
                "instance_type": "g6e.xlarge",
                "count": 2,
                "availability_zones": ["us-east-1a", "us-east-1b"],
                "inference": {"route": {"priority": 10, "header_name": "X-Tier", "header_values": ["small"]}},
            },
        ],
        storage={
            "nvme_cache": {"write_gb_s_per_node": 10},
            "lustre": {"storage_capacity_gib": 4800, "throughput_mb_s_per_tib": 250},
            "checkpoint": {"size_gb": 160},
        },
        workload={
            "training": [
                {
                    "fleet": "train",
                    "parameters_billion": 7,
                    "tokens_billion": 100,
                    "runs_per_quarter": 3,
                    "mfu": 0.5,
                    "throughput_source": "test",
                }
            ],
            "inference": {
                "requests_per_month": 10_000_000,
                "input_tokens_per_request": 800,
                "output_tokens_per_request": 200,
                "peak_to_average": 2,
                "routes": [
                    {"fleet": name, "share": share, "tokens_per_second_per_instance": 1000, "throughput_source": "t"}
                    for name, share in (("serve", 0.75), ("serve2", 0.25))
                ],
            },
        },
    )


def run(tmp_path, data, *args, today=FIXTURE_DAY, command="cost", monkeypatch=None):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data))
    monkeypatch.setattr(cli, "_today", lambda: today)
    return runner.invoke(cli.app, [command, str(path), *args])


@pytest.fixture(scope="module")
def worked(tmp_path_factory) -> dict:
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = run(
            tmp_path_factory.mktemp("worked"), worked_spec(), "--prices", str(PRICES), "--json", monkeypatch=monkeypatch
        )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_monthly_figure_is_the_hourly_one_times_730(worked):
    """AWS Pricing Calculator: a month is 730 hours."""
    lines = [line for f in worked["fleets"] for line in f["lines"]] + worked["shared"]
    assert len(lines) == 11
    for line in lines:
        assert line["monthly_usd"] == pytest.approx(line["hourly_usd"] * 730, abs=0.01), line["item"]
    assert worked["total_monthly_usd"] == pytest.approx(worked["total_hourly_usd"] * 730, abs=0.01)


def test_the_workload_json_matches_its_schema(worked):
    schema = json.loads(resources.files("ultrafleet.planning").joinpath("cost.schema.json").read_text())
    jsonschema.validate(worked, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**worked, "training": [{**worked["training"][0], "capacity_block_hours": 12}]}, schema)


def test_young_daly_interval_and_lost_share_by_hand():
    # wait 60 s per checkpoint, a failure every 10 h (36,000 s), no restart time:
    # interval = sqrt(2 x 60 x 36,000) = sqrt(4,320,000) = 2,078.46 s
    # lost = 60 / 2,078.46 + (2,078.46 / 2) / 36,000 = 0.028868 + 0.028868 = 0.057735 (= sqrt(2 x 60 / 36,000))
    assert young_daly_interval(60, 36_000) == pytest.approx(2078.46, abs=0.01)
    assert lost_share(60, 2078.46, 36_000, 0) == pytest.approx(0.057735, abs=1e-6)
    # a 10-minute restart per failure adds 600 / 36,000 = 0.016667
    assert lost_share(60, 2078.46, 36_000, 600) == pytest.approx(0.074402, abs=1e-6)
    # Llama 3 (arXiv:2407.21783): 419 interruptions / (2,048 nodes x 1,296 h) = 1.5787e-4 per node-hour
    assert round(LLAMA3_FAILURES_PER_NODE_HOUR, 8) == 0.00015786


def test_capacity_block_hours_are_whole_days_then_weeks():
    hours = (0.5, 24, 24.1, 147.6, 14 * 24, 14 * 24 + 1)
    assert [capacity_block_hours(h) for h in hours] == [24, 24, 48, 168, 336, 504]


def test_a_training_run_by_hand(worked):
    [train] = worked["training"]
    # 6 x 7e9 parameters x 100e9 tokens = 4.2e21 FLOPs over 2 nodes x 8 H100 x 989.5 TFLOPS x 0.5 MFU
    # = 4.2e21 / 7.916e15 FLOP/s = 530,570.99 s = 147.381 h
    assert train["run_hours"] == pytest.approx(147.381, abs=1e-3)
    assert train["peak_pflops"] == pytest.approx(15.832)  # 2 x 8 x 989.5 TFLOPS
    assert train["peak_source"].startswith("NVIDIA H100 Tensor Core GPU datasheet")
    # failures stretch it by the lost share with NVMe (0.0011846, below): 147.381 / (1 - 0.0011846) = 147.556 h,
    # so 7 days of Capacity Block at $6 per instance-hour: 168 x 2 x 6 = $2,016 per run; 3 runs a quarter = 1 a month
    assert (train["capacity_block_hours"], train["usd_per_run"], train["runs_per_month"]) == (168, 2016.0, 1.0)
    assert train["options"] == [
        {
            "name": "On-Demand",
            "usd_per_month": pytest.approx(147.5556 * 2 * 10, abs=0.01),  # the stretched hours x 2 x $10
            "basis": "the run's hours, as used",
        },
        {"name": "Capacity Block", "usd_per_month": 2016.0, "basis": "whole days bought per run"},
        {
            "name": "Capacity Reservation",
            "usd_per_month": 14600.0,  # 730 h x 2 x $10, held all month
            "basis": "held all month at the On-Demand rate, used or not",
        },
    ]


def test_what_the_nvme_tier_saves_by_hand(worked):
    [g] = worked["checkpoint_savings"]
    assert (g["nodes"], g["mtbf_hours"]) == (2, pytest.approx(3167.313, abs=1e-3))
    nvme, lustre = g["options"]
    # NVMe: 160 GB / (2 nodes x 10 GB/s) = 8 s; interval sqrt(2 x 8 x 11,402,325.5 s) = 13,506.9 s = 225.12 min;
    # lost = sqrt(2 x 8 / 11,402,325.5) = 0.0011846
    assert (nvme["tier"], nvme["wait_seconds"]) == ("nvme", 8.0)
    assert nvme["interval_minutes"] == pytest.approx(math.sqrt(2 * 8 * MTBF_S) / 60, abs=1e-3)
    assert nvme["interval_minutes"] == pytest.approx(225.116, abs=1e-3)
    assert nvme["lost_share"] == pytest.approx(0.0011846, abs=1e-6)
    # at the optimum, writing and recomputing cost the same; no restart time was given
    assert nvme["lost_parts"] == {"checkpoint_writes": 0.000592, "recomputation": 0.000592, "restarts": 0.0}
    # without NVMe, Lustre: 4,800 GiB = 4.6875 TiB x 250 MB/s/TiB = 1.171875 GB/s; 160 / 1.171875 = 136.53 s;
    # interval sqrt(2 x 136.53 x 11,402,325.5) = 55,799.6 s = 929.99 min; lost 0.0048937
    assert (lustre["tier"], lustre["wait_seconds"]) == ("lustre", 136.533)
    assert lustre["interval_minutes"] == pytest.approx(929.993, abs=1e-3)
    assert lustre["lost_share"] == pytest.approx(0.0048937, abs=1e-6)
    # in dollars, of the fleet's $12.04 an hour x 730 = $8,789.20 a month
    assert nvme["lost_usd_per_month"] == pytest.approx(0.0011846 * 8789.2, abs=0.01)
    assert g["saved_usd_per_month"] == pytest.approx((0.0048937 - 0.0011846) * 8789.2, abs=0.01)
    assert g["failures_source"].startswith("Meta, The Llama 3 Herd of Models (arXiv:2407.21783)")


def test_tokens_per_route_and_blended_by_hand(worked):
    serve, serve2 = worked["inference"]["routes"]
    # 10 M requests x (800 + 200) tokens = 1e10 tokens a month; serve takes 0.75 of them, serve2 0.25
    assert (serve["tokens_per_month"], serve2["tokens_per_month"]) == (7.5e9, 2.5e9)
    # serve costs $7.08 an hour (3 On-Demand x $2, 1 Spot x $1, 800 GB gp3) x 730 = $5,168.40 a month:
    # $5,168.40 / 7,500 M tokens = $0.68912 per 1M; serve2 $4.04 x 730 = $2,949.20 / 2,500 M = $1.17968
    assert (serve["usd_per_month"], serve["usd_per_million_tokens"]) == (5168.4, 0.6891)
    assert (serve2["usd_per_month"], serve2["usd_per_million_tokens"]) == (2949.2, 1.1797)
    # blended: (5,168.40 + 2,949.20) / 10,000 M = 0.75 x 0.68912 + 0.25 x 1.17968 = $0.81176
    assert worked["inference"]["blended_usd_per_million_tokens"] == 0.8118
    # the peak: 7.5e9 / 2,628,000 s x 2 = 5,707.8 tokens/s over 1,000 per instance = 6 instances of serve
    assert (serve["instances_needed"], serve2["instances_needed"]) == (6, 2)
    # purchase options all month at the spec's size: serve's 4 instances at $2 On-Demand, $1 Spot; Capacity Blocks
    # are not sold for g6e; the training fleet's options are its runs' (above)
    assert worked["options"][1] == {
        "fleet": "serve",
        "basis": "all month at the spec's size",
        "options": [
            {"name": "On-Demand", "usd_per_month": 5840.0, "basis": "4 instances all month"},
            {"name": "Capacity Reservation", "usd_per_month": 5840.0, "basis": "the On-Demand rate, held all month"},
            {"name": "Spot", "usd_per_month": 2920.0, "basis": "the table's Spot snapshot; instances can be reclaimed"},
        ],
    }
    assert worked["options"][0]["options"] == worked["training"][0]["options"]


def test_an_idle_or_short_fleet_is_warned_about(tmp_path, monkeypatch):
    data = worked_spec()
    data["fleets"][1]["inference"]["max_size"] = 5  # the peak needs 6
    result = run(tmp_path, data, "--prices", str(PRICES), monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "warning UF-WORK-101 workload.inference.routes[0]: fleet 'serve' holds at most 5 instances; the peak needs "
        "6; raise its count or inference.max_size",
        # serve2's average: 2.5e9 / 2,628,000 s = 951.3 tokens/s on 2 x 1,000: 47.6% busy
        "warning UF-WORK-102 workload.inference.routes[1]: fleet 'serve2' is idle 52% of the month at 2 instances; "
        "2 carry the peak",
    ]


def test_cost_uses_the_shipped_table_by_default_and_says_when_it_is_old(tmp_path, monkeypatch):
    data = yaml.safe_load((ROOT / "specs/starter.yaml").read_text())
    result = run(tmp_path, data, "--json", today=datetime.date(2026, 12, 1), monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["prices"]["region"] == "us-west-2"
    assert out["fleets"][0]["lines"][0] == {
        "item": "On-Demand p5.48xlarge",
        "quantity": "2 x",
        "hourly_usd": 110.08,  # 2 x $55.04 (finops-mcp: the AWS Price List, us-west-2 = us-east-1)
        "monthly_usd": 80358.4,  # x 730
    }
    assert {s["id"] for s in out["prices"]["sources"]} >= {"finops-mcp", "ec2-capacity-blocks-pricing"}
    assert (out["prices"]["taken"], out["prices"]["age_days"], out["prices"]["stale"]) == ("2026-01-21", 314, True)
    assert result.stderr.startswith(
        "warning UF-COST-101 prices: the table was taken 2026-01-21, 314 days ago (over 90); Capacity Block rates "
        "move monthly"
    )
    fresh = run(tmp_path, data, "--json", today=datetime.date(2026, 4, 20), monkeypatch=monkeypatch)
    assert json.loads(fresh.stdout)["prices"]["stale"] is False and fresh.stderr == ""


def test_the_table_output_names_sources_and_purchase_options(tmp_path, monkeypatch):
    result = run(tmp_path, worked_spec(), "--prices", str(PRICES), monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert "purchase options: $ per month" in result.stdout
    assert "│ blended │ all routes" in result.stdout and "$0.8118 per 1M tokens" in result.stdout
    assert "the NVMe tier saves $32.60 per month" in result.stdout


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["workload"]["training"][0].update(mfu=1.2),
            "error UF-SPEC-001 workload.training[0].mfu: 1.2: is a share of the peak FLOPs: use more than 0 and at "
            "most 1 (0.4 for 40%)",
        ),
        (
            lambda d: d["workload"]["inference"]["routes"][0].update(tokens_per_second_per_instance=0),
            "error UF-SPEC-001 workload.inference.routes[0].tokens_per_second_per_instance: 0: must be above 0; give "
            "the measured throughput of one instance",
        ),
        (
            lambda d: d["workload"]["training"][0].update(failures_per_node_hour=-1, failures_source="x"),
            "error UF-SPEC-001 workload.training[0].failures_per_node_hour: -1: must be above 0; leave it out for "
            "the Llama 3 default",
        ),
        (
            lambda d: d["workload"]["training"][0].update(fleet="trian"),
            "error UF-WORK-001 workload.training[0].fleet: 'trian' is not a fleet of the spec; did you mean "
            "'train'? use one of the training fleets: train",
        ),
        (
            lambda d: d["workload"]["inference"]["routes"][1].update(fleet="train"),
            "error UF-WORK-002 workload.inference.routes[1].fleet: 'train' is a training fleet; routes name an "
            "inference fleet",
        ),
        (
            lambda d: d["workload"]["inference"]["routes"][1].update(fleet="serve"),
            "error UF-WORK-003 workload.inference.routes[1].fleet: 'serve' has a route already; give each inference "
            "fleet one route with its whole share",
        ),
        (
            lambda d: d["workload"]["inference"]["routes"][1].update(share=0.5),
            "error UF-WORK-004 workload.inference.routes: the shares add up to 1.25 (0.75 + 0.5); make them add up "
            "to 1",
        ),
    ],
    ids=[
        "mfu-above-1",
        "zero-throughput",
        "negative-rate",
        "unknown-fleet",
        "route-on-training-fleet",
        "two-routes-one-fleet",
        "shares",
    ],
)
def test_bad_workload_exits_2_naming_field_value_and_fix(tmp_path, monkeypatch, change, expected):
    data = worked_spec()
    change(data)
    result = run(tmp_path, data, "--prices", str(PRICES), monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == expected


def test_a_table_for_another_region_exits_2(tmp_path, monkeypatch):
    data = worked_spec() | {"region": "us-west-2", "availability_zones": ["us-west-2a", "us-west-2b"]}
    for f in data["fleets"]:
        f["availability_zones"] = [z.replace("us-east-1", "us-west-2") for z in f["availability_zones"]]
    result = run(tmp_path, data, "--prices", str(PRICES), monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "error UF-COST-002 region: us-west-2: the price table is for us-east-1; use a table for us-west-2"
    )


class _Page(HTMLParser):
    """What a browser would load: scripts by id, external references, headings."""

    def __init__(self):
        super().__init__()
        self.blocks: dict[str, str] = {}
        self.external: list[str] = []
        self.headings: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (tag in ("script", "img", "iframe") and a.get("src")) or (tag == "link" and a.get("href")):
            self.external.append(a.get("src") or a.get("href"))
        self._in = a.get("id") if tag == "script" and a.get("type") == "application/json" else None
        if tag == "h2":
            self._in = "h2"

    def handle_data(self, data):
        if self._in == "h2":
            self.headings.append(data)
        elif self._in:
            self.blocks[self._in] = self.blocks.get(self._in, "") + data

    def handle_endtag(self, tag):
        self._in = None


def test_the_html_report_is_self_contained_and_holds_each_charts_data(tmp_path, monkeypatch):
    out = tmp_path / "report.html"
    result = run(
        tmp_path, worked_spec(), "--prices", str(PRICES), "--html", str(out), command="report", monkeypatch=monkeypatch
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    page = _Page()
    page.feed(text)
    assert page.external == []  # nothing to fetch: plotly.js is inlined
    assert "Plotly.newPlot" in text and text.count("<script>") == 2  # the library, then the drawing
    assert page.headings == [
        "Monthly cost by fleet",
        "Purchase options side by side",
        "Workload: training runs and tokens",
        "What the checkpoint tier saves",
        "Price sources",
    ]
    data = json.loads(page.blocks["ultrafleet-cost-data"])
    monthly = json.loads(page.blocks["chart-data-monthly-cost"])
    instances = next(t for t in monthly["data"] if t["name"] == "instances")
    assert instances["x"] == ["train", "serve", "serve2", "shared storage"]
    assert instances["y"] == [8760.0, 5110.0, 2920.0, 0]  # $12, $7, $4 an hour of instances x 730
    network = next(t for t in monthly["data"] if t["name"] == "network")
    assert network["y"] == [0, 0, 0, 58.4]  # NAT $0.05 + its IPv4 $0.01 + the load balancer $0.02, x 730
    assert [a["text"] for a in monthly["layout"]["annotations"]] == ["$8,789", "$5,168", "$2,949", "$759"]
    options = json.loads(page.blocks["chart-data-purchase-options"])
    assert {t["name"]: dict(zip(t["x"], t["y"], strict=True)) for t in options["data"]}["Capacity Block"] == {
        "train": 2016.0
    }
    interval = json.loads(page.blocks["chart-data-checkpoint-interval"])
    optimum = [t for t in interval["data"] if t["mode"] == "markers"]
    saving = data["checkpoint_savings"][0]["options"]
    assert [(t["x"][0], t["y"][0]) for t in optimum] == [
        (o["interval_minutes"], round(o["lost_share"] * 100, 4)) for o in saving
    ]
    # Lustre 4,800 GB x $0.146 = $700.80; the S3 checkpoints are left out (no storage.checkpoint.kept_in_s3)
    assert data["total_monthly_usd"] == pytest.approx(8789.2 + 5168.4 + 2949.2 + 58.4 + 700.8)


def test_the_charts_mark_what_has_no_price():
    from ultrafleet.cli.cost_html import monthly_chart, options_chart

    line = {"item": "Capacity Reservation trn2.48xlarge", "quantity": "8 x", "hourly_usd": None, "monthly_usd": None}
    gp3 = {"item": "gp3 root volumes", "quantity": "1,600 GB", "hourly_usd": 0.18, "monthly_usd": 128.0}
    data = {
        "fleets": [{"name": "trn2", "lines": [line, gp3]}],
        "shared": [],
        "options": [
            {"fleet": "b", "basis": "", "options": [{"name": "On-Demand", "usd_per_month": 5.0, "basis": ""}]},
            {"fleet": "trn2", "basis": "", "options": [{"name": "On-Demand", "usd_per_month": None, "basis": ""}]},
        ],
    }
    assert [a["text"] for a in monthly_chart(data)["layout"]["annotations"]] == ["$128 + missing prices", "$0"]
    layout = options_chart(data)["layout"]
    assert layout["xaxis"]["categoryarray"] == ["b", "trn2"]  # the spec's order, priced or not
    assert [(a["x"], a["text"]) for a in layout["annotations"]] == [("trn2", "no price")]


def test_a_fleet_with_an_unpriced_line_is_marked_incomplete(tmp_path, monkeypatch):
    data = yaml.safe_load((ROOT / "specs/starter.yaml").read_text())  # us-west-2: no source prices gp3 there
    result = run(tmp_path, data, today=datetime.date(2026, 2, 1), monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert "│ p5-dev │ fleet (incomplete)    │          │ $110.08 │ $80,358.40 │" in result.stdout
    assert result.stdout.rstrip().endswith(
        "incomplete: the totals leave out what these prices or fields would add: ebs_gp3_gb_month, "
        "nat_gateway_hourly, public_ipv4_hourly, storage.checkpoint.kept_in_s3"
    )
