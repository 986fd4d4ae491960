"""The 512-fleet step of `make bench` (issue 17, docs/scale.md): a spec of 512 small training fleets synthesized by
`ultrafleet synth` (time, and the peak memory of its largest process), every template within CloudFormation's and
CloudWatch's quotas and equal to the prediction, cfn-lint clean, deployed into moto (time, peak memory), and
`ultrafleet diff --against` the same spec's 64-fleet assembly with no replacement and no removal.

The test suite synthesizes a 512-fleet spec once too (tests/test_scale_512.py: quotas and predictions, the diff
against 64 fleets), but lints only the shared stacks and a sample of fleet stacks and deploys nothing: linting all
520 templates and deploying them take minutes of CPU, which this step spends. Run alone: python bench/scale.py
[FLEETS [BEFORE]] (default 512 and 64).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from ultrafleet.deploy.assembly import assembly_stacks, counted, template_file  # noqa: E402
from ultrafleet.deploy.cdk_cli import cdk_env  # noqa: E402
from ultrafleet.planning.fleets import resolve_all  # noqa: E402
from ultrafleet.planning.stack_counts import (  # noqa: E402
    MAX_DASHBOARD_WIDGETS,
    MAX_OUTPUTS,
    MAX_PARAMETERS,
    MAX_RESOURCES,
    predict,
)
from ultrafleet.spec import load_spec  # noqa: E402

BIN = Path(sys.executable).parent
MAX_MAPPINGS = 200
"""Mappings declared in one template (AWS CloudFormation User Guide, 'Understand CloudFormation quotas')."""
MAX_TEMPLATE_BYTES = 1_000_000
"""A template body in an S3 object: "1 MB" on the same page; cfn-lint (E1002) reads it as 1,000,000 bytes."""
BEFORE = 64
"""The fleet count of the older assembly the grown spec is diffed against."""
SUBNET_PREFIX_LENGTH = 21
"""Fixed in both specs: the private subnet 512 such fleets need (room for their interfaces twice over,
ultrafleet.planning.network). Left to its default, the subnet is sized for the spec's fleets, so growing the spec
would replace it (docs/scale.md)."""


def scale_spec(count: int, directory: Path) -> Path:
    """``count`` p5.48xlarge training fleets in one spec named ``scale`` (the same name at every count, so that
    the stacks of a smaller spec are the older versions of a larger one's)."""
    spec = {
        "name": "scale",
        "region": "us-east-1",
        "availability_zones": ["us-east-1a"],
        "network": {"vpc_cidr": "10.0.0.0/16", "subnet_prefix_length": SUBNET_PREFIX_LENGTH},
        "fleets": [
            {"name": f"f{i:03d}", "role": "training", "instance_type": "p5.48xlarge", "count": 1} for i in range(count)
        ],
    }
    path = directory / f"scale-{count}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def measured(cmd: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """(seconds, peak MiB of the largest process in its tree, the result) of a command run in a fresh wrapper,
    whose RUSAGE_CHILDREN sees only that command's processes."""
    wrapper = (
        "import json, resource, subprocess, sys, time; t = time.perf_counter(); "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(json.dumps([time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "
        "r.returncode, r.stdout[-4000:], r.stderr[-4000:]]))"
    )
    run = subprocess.run([sys.executable, "-c", wrapper, *cmd], cwd=ROOT, env=cdk_env(ROOT), capture_output=True)
    seconds, mib, code, stdout, stderr = json.loads(run.stdout)
    return seconds, mib, subprocess.CompletedProcess(cmd, code, stdout, stderr)


def check_quotas(spec_file: Path, cdk_out: Path) -> dict[str, int]:
    """Every template within the quotas, the predicted stacks equal to the synthesized; the largest of each."""
    texts = {name: template_file(cdk_out, a).read_text() for name, a in assembly_stacks(cdk_out).items()}
    templates = {name: json.loads(text) for name, text in texts.items()}
    spec = load_spec(spec_file)
    prediction = {
        c.stack: (c.resources, c.outputs, c.parameters, c.dashboard_widgets) for c in predict(spec, resolve_all(spec))
    }
    synthesized = {name: counted(templates[name]) for name in prediction}
    assert prediction == synthesized, f"predicted {prediction}, synthesized {synthesized}"
    largest = {"resources": 0, "outputs": 0, "parameters": 0, "mappings": 0, "widgets": 0, "bytes": 0}
    for name, template in templates.items():
        resources, outputs, parameters, widgets = counted(template)
        sizes = {
            "resources": (resources, MAX_RESOURCES),
            "outputs": (outputs, MAX_OUTPUTS),
            "parameters": (parameters, MAX_PARAMETERS),
            "mappings": (len(template.get("Mappings", {})), MAX_MAPPINGS),
            "widgets": (widgets or 0, MAX_DASHBOARD_WIDGETS),
            "bytes": (len(texts[name].encode()), MAX_TEMPLATE_BYTES),
        }
        for what, (count, limit) in sizes.items():
            assert count <= limit, f"{name}: {count} {what}, more than {limit}"
            largest[what] = max(largest[what], count)
    return largest


def check_fleet_stacks_export_nothing(cdk_out: Path) -> None:
    """No stack imports from a fleet stack (it has no outputs), so each can be destroyed on its own."""
    for name, artifact in assembly_stacks(cdk_out).items():
        if "-fleet-" in name:
            outputs = json.loads(template_file(cdk_out, artifact).read_text()).get("Outputs", {})
            assert outputs == {}, f"{name} exports {sorted(outputs)}"


def _lint(path: str) -> list[str]:
    from cfnlint.api import ManualArgs, lint

    matches = lint(Path(path).read_text(), config=ManualArgs(regions=["us-east-1"]))
    return [f"{Path(path).name}: {m.rule.id} {m.message[:160]}" for m in matches]


def check_cfn_lint(cdk_out: Path) -> None:
    """cfn-lint's errors and warnings (its E3010 resource, E6010 output, E1002 size checks among them) on every
    template, two at a time."""
    paths = [str(template_file(cdk_out, a)) for a in assembly_stacks(cdk_out).values()]
    with Pool(2) as pool:
        found = [m for matches in pool.map(_lint, paths, chunksize=8) for m in matches]
    assert found == [], "\n".join(found[:20])


def deploy_into_moto(cdk_out: Path) -> None:
    """Child step: every stack of the assembly into one moto account (prints nothing; raises on a failure)."""
    from ultrafleet.testing.harness import MotoCloud

    with MotoCloud() as cloud:
        deployed = cloud.deploy_assembly(cdk_out)
    assert len(deployed) == len(assembly_stacks(cdk_out))


def scale_figures(tmpdir: Path, fleets: int = 512, before_fleets: int = BEFORE) -> dict[str, float]:
    """The step's figures: synth and deploy seconds and peak MiB, cfn-lint and diff seconds, stacks, the largest
    template's bytes and resources. Raises AssertionError when anything is over a quota or unclean."""
    ultrafleet = str(BIN / "ultrafleet")
    before, grown = scale_spec(before_fleets, tmpdir), scale_spec(fleets, tmpdir)
    old_out, new_out = tmpdir / f"scale-{before_fleets}.out", tmpdir / f"scale-{fleets}.out"
    older = [ultrafleet, "synth", str(before), "--output", str(old_out)]
    subprocess.run(older, cwd=ROOT, env=cdk_env(ROOT), check=True, capture_output=True)
    synth_s, synth_mib, result = measured([ultrafleet, "synth", str(grown), "--output", str(new_out)])
    assert result.returncode == 0, result.stderr
    print(f"scale: {fleets} fleets synthesized in {synth_s:.1f} s, {synth_mib:.0f} MiB", file=sys.stderr)
    largest = check_quotas(grown, new_out)
    check_fleet_stacks_export_nothing(new_out)
    start = time.perf_counter()
    check_cfn_lint(new_out)
    lint_s = time.perf_counter() - start
    print(f"scale: cfn-lint clean in {lint_s:.1f} s; largest {largest}", file=sys.stderr)
    deploy_s, deploy_mib, result = measured([sys.executable, __file__, "deploy", str(new_out)])
    assert result.returncode == 0, result.stderr
    print(f"scale: deployed into moto in {deploy_s:.1f} s, {deploy_mib:.0f} MiB", file=sys.stderr)
    start = time.perf_counter()
    diff = subprocess.run(
        [ultrafleet, "diff", str(grown), "--against", str(old_out), "--output", str(tmpdir / "diff.out")],
        cwd=ROOT,
        env=cdk_env(ROOT),
        capture_output=True,
        text=True,
    )
    diff_s = time.perf_counter() - start
    summary = diff.stdout.splitlines()[-1] if diff.stdout else ""
    assert diff.returncode == 0 and summary == "0 replacements or removals, 0 blocked", diff.stdout + diff.stderr
    return {
        f"scale_{fleets}_stacks": len(assembly_stacks(new_out)),
        f"scale_{fleets}_synth_s": synth_s,
        f"scale_{fleets}_synth_peak_mib": synth_mib,
        f"scale_{fleets}_cfn_lint_s": lint_s,
        f"scale_{fleets}_moto_deploy_s": deploy_s,
        f"scale_{fleets}_moto_deploy_peak_mib": deploy_mib,
        f"scale_{fleets}_diff_vs_{before_fleets}_s": diff_s,
        f"scale_{fleets}_largest_template_bytes": largest["bytes"],
        f"scale_{fleets}_most_resources": largest["resources"],
        f"scale_{fleets}_most_outputs": largest["outputs"],
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["deploy"]:
        deploy_into_moto(Path(sys.argv[2]))
    else:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            counts = [int(a) for a in sys.argv[1:3]]
            figures = scale_figures(Path(tmp), *counts)
        print(json.dumps({k: round(v, 3) for k, v in figures.items()}))
