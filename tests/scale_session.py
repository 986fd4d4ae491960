"""Issue 17's scale proof, once per test run and in the background: specs of 1, 64 and 512 small training fleets
(``wide``: one spec name and fixed network settings at every count, so that a smaller spec's stacks are the older
versions of a larger one's), synthesized by one detached process (``python tests/scale_session.py DIR``) that any
pytest-xdist worker reads through files (tests/shared_session.py):

1. ``wide-64.out`` and ``wide-1.out``: the in-process `ultrafleet synth` (ultrafleet.deploy.in_process, the real
   CLI's assembly file for file: tests/test_in_process_synth.py) of the 1- and 64-fleet specs;
2. with ``--grown``: `ultrafleet diff wide-512.yaml --against wide-64.out --output wide-512.out`, whose synth is the
   session's only 512-fleet synth (about a minute of one core) and whose report the tests read;
3. as soon as ``wide-512.out`` is written: cfn-lint of every shared stack and a sample of fleet stacks
   (``linted_templates``), beside the diff's `cdk diff` runs.

The 512-fleet synth writes five observability shards of 496 to 499 resources, and the CDK annotates each with an
info message ("approaching allowed maximum of 500"): the diff's synth leaves them to `cdk synth --app ASSEMBLY`,
which prints them from the written assembly without synthesizing it again (ultrafleet.deploy.in_process).
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
from pathlib import Path

import yaml
from shared_session import WAIT_SECONDS, claim, publish, start_job

ROOT = Path(__file__).resolve().parent.parent
SMALL, OLDER, GROWN = 1, 64, 512
"""The fleet counts synthesized: issue 17 asks for the predictions of 1, 64 and 512 fleets, and for 64 -> 512."""
LINTED_FLEETS = ("t000", "t190", "t511")
"""Fleet stacks cfn-lint checks of the 512: the first, the first that holds its own checkpoint policy (the 191st
training fleet: docs/scale.md) and the last. Every fleet stack comes from the same code and differs from the
others of its kind only in names; cfn-lint takes about 0.5 s of CPU per fleet stack, 4 minutes for all 512, which
`make bench` spends (bench/scale.py lints every template)."""
LINTED_SHARDS = ("wide-observability", "wide-observability-5")
"""Observability shards cfn-lint checks: the first (topic, logs key, their exports, 99 fleets) and the last (a
later shard's dashboard, reading the first's exports, with 17 fleets). Shards 1 to 4 are the last one's form with
99 fleets of the same resources under other names (their counts are checked exactly against the quotas by
tests/test_scale_512.py); cfn-lint takes about 10 s of CPU per full shard (bench/scale.py lints them all)."""
CANARY = "canary-over-quota.template.json"
"""A template of 201 outputs linted in the same cfn-lint run, so that the tests see cfn-lint's output-count check
(E6010) fire in this very run (and so it would on the 512-fleet templates). Its resource-count check (E3010) is not
canaried: 501 resources would cost cfn-lint about 2 s of CPU, and tests/test_scale_512.py holds every stack's
resources equal to the prediction and within 500 itself."""


def wide(count: int) -> dict:
    """A spec of ``count`` small p5.48xlarge training fleets, its private subnets fixed at the /20 that 512 need
    (left to its default the subnet grows with the fleets, and growing the spec would replace it: docs/scale.md)."""
    fleets = [
        {"name": f"t{i:03d}", "role": "training", "instance_type": "p5.48xlarge", "count": 2} for i in range(count)
    ]
    return {
        "name": "wide",
        "region": "us-east-1",
        "availability_zones": ["us-east-1a", "us-east-1b"],
        "network": {"subnet_prefix_length": 20},
        "fleets": fleets,
    }


def spec_file(directory: Path, count: int) -> Path:
    return directory / f"wide-{count}.yaml"


def assembly(directory: Path, count: int) -> Path:
    return directory / f"wide-{count}.out"


def start(base: Path, grown: bool) -> Path:
    """The run's scale directory; the first worker to get here writes the specs and starts the detached process
    (with the 512-fleet steps when ``grown``: some collected test needs them)."""
    directory = base / "scale"
    if claim(base / "scale.claim"):
        directory.mkdir()
        for count in (SMALL, OLDER, GROWN):
            spec_file(directory, count).write_text(yaml.safe_dump(wide(count)))
        flags = ["--grown"] if grown else []
        start_job([sys.executable, str(Path(__file__)), str(directory), *flags], ROOT, directory / "driver")
    return directory


def result(directory: Path, name: str, what: str) -> dict:
    """A step's published result (``<name>.json``), waiting for it; fails at once, with its error output, when the
    detached process ended without publishing it."""
    path, driver_rc = directory / f"{name}.json", directory / "driver.rc"
    deadline = time.monotonic() + WAIT_SECONDS
    while not path.exists():
        if driver_rc.exists() and not path.exists():
            err = (directory / "driver.err").read_text()[-3000:]
            raise AssertionError(
                f"the scale process ended (exit {driver_rc.read_text().strip()}) before {what}:\n{err}"
            )
        assert time.monotonic() < deadline, f"gave up after {WAIT_SECONDS} s waiting for {what} ({path})"
        time.sleep(0.2)
    return json.loads(path.read_text())


def linted_templates(cdk_out: Path) -> list[Path]:
    """Every stack's template but the fleet stacks' and the observability shards', and the samples of those."""
    from ultrafleet.deploy.assembly import assembly_stacks, template_file

    sampled = {f"wide-fleet-{name}" for name in LINTED_FLEETS} | set(LINTED_SHARDS)
    return [
        template_file(cdk_out, artifact)
        for name, artifact in assembly_stacks(cdk_out).items()
        if name in sampled or not (name.startswith("wide-fleet-") or name.startswith("wide-observability"))
    ]


def _canary(directory: Path) -> Path:
    outputs = {f"Out{i}": {"Value": "x"} for i in range(201)}
    path = directory / CANARY
    resources = {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}
    path.write_text(json.dumps({"Resources": resources, "Outputs": outputs}))
    return path


def _lint_when_synthesized(directory: Path, diff_done: threading.Event) -> None:
    """cfn-lint of ``linted_templates`` (and the canary) as soon as the 512-fleet assembly's manifest is written
    (the CDK writes it last), in the background beside the diff: two processes, the first observability shard in one
    (about 10 s) and the rest in the other (about as long), so that the end of the suite waits for half."""
    manifest = assembly(directory, GROWN) / "manifest.json"
    while not manifest.exists() and not diff_done.is_set():
        time.sleep(0.5)
    if not manifest.exists():
        publish(directory / "lint.json", {"error": "no 512-fleet assembly to lint (see diff.json)"})
        return
    templates = [*map(str, linted_templates(assembly(directory, GROWN))), str(_canary(directory))]
    first_shard = [t for t in templates if Path(t).name == f"{LINTED_SHARDS[0]}.template.json"]
    jobs = {"lint-0": first_shard, "lint-1": [t for t in templates if t not in first_shard]}
    cfn_lint = str(Path(sys.executable).parent / "cfn-lint")
    for job, paths in jobs.items():
        start_job([cfn_lint, "--format", "json", "--regions", "us-east-1", "--", *paths], directory, directory / job)
    publish(directory / "lint.json", {"jobs": jobs})


def _step(directory: Path, name: str, run) -> bool:
    """Publish ``run()``'s result as ``<name>.json``, or the traceback that stopped it; True when it ran."""
    try:
        publish(directory / f"{name}.json", run())
    except Exception:
        publish(directory / f"{name}.json", {"error": traceback.format_exc()})
        return False
    return True


def main(directory: Path, grown: bool) -> None:
    from ultrafleet.deploy import in_process

    def synth(count: int):
        spec = {"spec": str(spec_file(directory, count))}
        return lambda: {"outcome": in_process.synth(ROOT, spec, assembly(directory, count)).name}

    for count in (OLDER, SMALL):  # the 64 first: the 512-fleet diff waits for it
        if not _step(directory, f"synth-{count}", synth(count)):
            return
    if not grown:
        return
    from typer.testing import CliRunner

    from ultrafleet.cli.commands import app

    diff_done = threading.Event()
    lint = threading.Thread(target=_lint_when_synthesized, args=(directory, diff_done))
    lint.start()

    def diff() -> dict:
        args = [str(spec_file(directory, GROWN)), "--against", str(assembly(directory, OLDER))]
        try:
            done = CliRunner().invoke(app, ["diff", *args, "--output", str(assembly(directory, GROWN))])
        finally:
            diff_done.set()
        crash = None if done.exception is None or isinstance(done.exception, SystemExit) else repr(done.exception)
        return {"exit_code": done.exit_code, "stdout": done.stdout, "stderr": done.stderr, "crash": crash}

    _step(directory, "diff", diff)
    lint.join()


if __name__ == "__main__":
    main(Path(sys.argv[1]), "--grown" in sys.argv[2:])
