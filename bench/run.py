"""Benchmarks of ultrafleet's own speed (`make bench`). Medians of repeated runs, the commands compared measured
alternately in one run so that a machine slowing down mid-run moves both sides of a ratio alike.

Prints a table, then as its last line one JSON object with synth_ratio_vs_empty, synth_ratio_64_vs_1,
synth_ratio_512_vs_1, floor_ratio_64_vs_1 and floor_ratio_512_vs_1 (bench/floor_app.py: the same counts of minimal
stacks), resources_ratio_64_vs_1, resources_ratio_512_vs_1, include_ratio_64_vs_1 and include_ratio_512_vs_1
(bench/replay_app.py: the same templates, one raw CfnResource per resource or one CfnInclude per stack),
ultrafleet_synth_ratio_cli_vs_in_process, synth_64_fleets_peak_mib, synth_512_fleets_peak_mib, validate_s, plan_s
and test_suite_s (plus the raw medians). docs/speed.md gives the figures and the machine they were measured on.
Usage: python bench/run.py [--runs N] [--skip-tests] [--skip-scale]
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
from scale import scale_figures  # noqa: E402  (bench/scale.py, beside this file)

from ultrafleet.deploy.cdk_cli import cdk_env  # noqa: E402

CDK = str(ROOT / "node_modules/.bin/cdk")
BIN = Path(sys.executable).parent


def seconds(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=cdk_env(ROOT), check=True, capture_output=True)
    return time.perf_counter() - start


def peak_mib(cmd: list[str]) -> float:
    """The largest resident set of any process a command starts (the app's jsii Node, for a synth), in MiB."""
    probe = "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
    probe += "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    result = subprocess.run(
        [sys.executable, "-c", probe, *cmd], cwd=ROOT, env=cdk_env(ROOT), check=True, text=True, capture_output=True
    )
    return int(result.stdout) / 1024  # ru_maxrss is in KiB on Linux


def alternating_medians(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Each command once per round, in turn, for ``runs`` rounds: {name: median seconds}."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            times[name].append(seconds(cmd))
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"medians of {runs}: {json.dumps({k: round(v, 3) for k, v in medians.items()})}", file=sys.stderr)
    return medians


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


def other_app_synth(app: str, out: Path) -> list[str]:
    """`cdk synth` of another Python app (``app``: its script and anything before it, such as env settings), run the
    way cdk.json runs ultrafleet's app.py (like for like)."""
    app_command = json.loads((ROOT / "cdk.json").read_text())["app"]
    command = app_command.replace("python3 app.py", app)
    assert command != app_command, f"cdk.json's app is no longer 'python3 app.py': {app_command}"
    return [CDK, "synth", "--quiet", "--app", command, "--output", str(out)]


def floor_synth(fleets: int, out: Path) -> list[str]:
    """`cdk synth` of bench/floor_app.py with ``fleets`` minimal stacks."""
    return other_app_synth(f"FLOOR_FLEETS={fleets} {BIN / 'python3'} {ROOT / 'bench/floor_app.py'}", out)


def replay_synth(assembly: Path, mode: str, out: Path) -> list[str]:
    """`cdk synth` of bench/replay_app.py rebuilding ``assembly``'s stacks in ``mode`` (resources, include)."""
    app = f"REPLAY_ASSEMBLY={assembly} REPLAY_MODE={mode} {BIN / 'python3'} {ROOT / 'bench/replay_app.py'}"
    return other_app_synth(app, out)


def synth(spec: Path | None, out: Path) -> list[str]:
    """`cdk synth` of a spec, or of the empty app (bench/empty_app.py)."""
    if spec is None:
        return other_app_synth(f"{BIN / 'python3'} {ROOT / 'bench/empty_app.py'}", out)
    return [CDK, "synth", "--quiet", "-c", f"spec={spec}", "--output", str(out)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-tests", action="store_true", help="leave out the test-suite timing")
    parser.add_argument(
        "--skip-scale", action="store_true", help="leave out the 512-fleet lint, deploy and diff (bench/scale.py)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        specs = {"empty": None, "reference": ROOT / "specs/reference.yaml"}
        counts = (1, 8, 64, 512)
        specs |= {f"{n}_fleets": fleet_spec(n, tmpdir) for n in counts}
        synths = alternating_medians({name: synth(spec, tmpdir / name) for name, spec in specs.items()}, args.runs)
        figures = {f"synth_{name}_s": value for name, value in synths.items()}
        ratioed = (1, *counts[2:])  # the counts whose ratios to one fleet the goals set
        floors = {f"floor_{n}_stacks": floor_synth(n, tmpdir / f"floor-{n}") for n in ratioed}
        figures |= {f"synth_{name}_s": value for name, value in alternating_medians(floors, args.runs).items()}
        replays = {  # the assemblies the synths above wrote, rebuilt by bench/replay_app.py
            f"{mode}_{n}_fleets": replay_synth(tmpdir / f"{n}_fleets", mode, tmpdir / f"{mode}-{n}")
            for n in ratioed
            for mode in ("resources", "include")
        }
        figures |= {f"synth_{name}_s": value for name, value in alternating_medians(replays, args.runs).items()}
        ultrafleet = str(BIN / "ultrafleet")
        commands = {f"{c}_s": [ultrafleet, c, "specs/reference.yaml"] for c in ("validate", "plan")}
        figures |= alternating_medians(commands, args.runs)
        # `ultrafleet synth` (validation, then the app in-process) against the same with the real `cdk synth`
        synth_cmd = [ultrafleet, "synth", "specs/reference.yaml", "--output"]
        commands = {"ultrafleet_synth_s": [*synth_cmd, str(tmpdir / "in-process")]}
        commands["ultrafleet_synth_cdk_cli_s"] = [*synth_cmd, str(tmpdir / "cli"), "--cdk-cli"]
        figures |= alternating_medians(commands, args.runs)
        figures["synth_64_fleets_peak_mib"] = peak_mib(synth(specs["64_fleets"], tmpdir / "peak"))
        figures["synth_512_fleets_peak_mib"] = peak_mib(synth(specs["512_fleets"], tmpdir / "peak-512"))
        if not args.skip_scale:
            figures |= scale_figures(tmpdir)  # bench/scale.py: 512 fleets synthesized, linted, deployed, diffed
    if not args.skip_tests:
        figures["test_suite_s"] = seconds([str(BIN / "pytest"), "-q", "-p", "no:cacheprovider"])
    figures["synth_ratio_vs_empty"] = figures["synth_reference_s"] / figures["synth_empty_s"]
    figures["synth_ratio_64_vs_1"] = figures["synth_64_fleets_s"] / figures["synth_1_fleets_s"]
    figures["floor_ratio_64_vs_1"] = figures["synth_floor_64_stacks_s"] / figures["synth_floor_1_stacks_s"]
    figures["floor_ratio_512_vs_1"] = figures["synth_floor_512_stacks_s"] / figures["synth_floor_1_stacks_s"]
    figures["synth_ratio_512_vs_1"] = figures["synth_512_fleets_s"] / figures["synth_1_fleets_s"]
    for mode in ("resources", "include"):
        for n in (64, 512):
            ratio = figures[f"synth_{mode}_{n}_fleets_s"] / figures[f"synth_{mode}_1_fleets_s"]
            figures[f"{mode}_ratio_{n}_vs_1"] = ratio
    figures["ultrafleet_synth_ratio_cli_vs_in_process"] = (
        figures["ultrafleet_synth_cdk_cli_s"] / figures["ultrafleet_synth_s"]
    )
    figures = {k: round(v, 3) for k, v in figures.items()}
    figures["machine"] = f"{platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}"

    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
