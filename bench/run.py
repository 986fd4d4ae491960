"""Benchmarks of ultrafleet's own speed (issue: `make bench`). Medians of repeated runs; ratios from one run.

Prints a table, then as its last line one JSON object with synth_ratio_vs_empty, synth_ratio_64_vs_1,
validate_s, plan_s and test_suite_s (plus the raw medians). Usage: python bench/run.py [--runs N] [--skip-tests]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from ultrafleet.cdk_cli import cdk_env  # noqa: E402

CDK = str(ROOT / "node_modules/.bin/cdk")
BIN = Path(sys.executable).parent


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=cdk_env(ROOT), check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fleet_spec(count: int, directory: Path) -> Path:
    spec = {
        "name": f"bench{count}",
        "region": "us-east-1",
        "availability_zones": ["us-east-1a"],
        "network": {"vpc_cidr": "10.0.0.0/16"},
        "fleets": [
            {"name": f"f{i:03d}", "role": "training", "instance_type": "p5.48xlarge", "count": 1} for i in range(count)
        ],
    }
    path = directory / f"fleets-{count}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def synth(spec: Path | None, out: Path) -> list[str]:
    app = ["--app", f"{BIN / 'python3'} {ROOT / 'bench/empty_app.py'}"] if spec is None else ["-c", f"spec={spec}"]
    return [CDK, "synth", "--quiet", *app, "--output", str(out)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-tests", action="store_true", help="leave out the test-suite timing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        figures = {
            "synth_empty_s": median_seconds(synth(None, tmpdir / "empty"), args.runs),
            "synth_reference_s": median_seconds(synth(ROOT / "specs/reference.yaml", tmpdir / "ref"), args.runs),
        }
        for n in (1, 8, 64):
            figures[f"synth_{n}_fleets_s"] = median_seconds(synth(fleet_spec(n, tmpdir), tmpdir / f"f{n}"), args.runs)
        ultrafleet = str(BIN / "ultrafleet")
        figures["validate_s"] = median_seconds([ultrafleet, "validate", "specs/reference.yaml"], args.runs)
        figures["plan_s"] = median_seconds([ultrafleet, "plan", "specs/reference.yaml"], args.runs)
    if not args.skip_tests:
        figures["test_suite_s"] = median_seconds([str(BIN / "pytest"), "-q", "-p", "no:cacheprovider"], 1)
    figures["synth_ratio_vs_empty"] = figures["synth_reference_s"] / figures["synth_empty_s"]
    figures["synth_ratio_64_vs_1"] = figures["synth_64_fleets_s"] / figures["synth_1_fleets_s"]
    figures = {k: round(v, 3) for k, v in figures.items()}
    figures["machine"] = f"{platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}"

    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
