"""Shared fixtures. Templates are synthesized once per session and shared across tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from shared_session import claim, job_result, publish, read_json, run_dir, start_job

ROOT = Path(__file__).resolve().parent.parent

# jsii runs on the venv's Node 24 even when pytest is started without `make` (node 20 is end-of-life).
os.environ.setdefault("JSII_NODE", str(Path(sys.executable).parent / "node"))
SPECS = sorted((ROOT / "specs").glob("*.yaml"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def spec_dict(**overrides):
    """A minimal valid spec as a dict; tests change one field at a time."""
    base = {
        "name": "demo",
        "region": "us-east-1",
        "availability_zones": ["us-east-1a", "us-east-1b"],
        "fleets": [{"name": "train", "role": "training", "instance_type": "p5.48xlarge", "count": 2}],
    }
    base.update(overrides)
    return base


def fleet(**fields):
    """One fleet dict for spec_dict(fleets=[...])."""
    return {"name": "train", "role": "training", "instance_type": "p5.48xlarge", "count": 2, **fields}


@pytest.fixture(scope="session")
def cli_assemblies(pytestconfig) -> dict[str, Path]:
    """The real, pinned `cdk synth` of every shipped spec: {spec file stem: cloud assembly directory}.

    Started in the background as soon as the collected tests are known to need it (``pytest_collection_finish``),
    so that the synths, then cfn-lint and checkov over their templates, run beside the tests that come first.
    Once per run: under pytest-xdist the first worker does them, the others read its results (tests/shared_session.py).
    """
    if _CLI_SYNTHS.thread is None:
        _start_cli_synths(run_dir(pytestconfig))
    _CLI_SYNTHS.thread.join()
    assert not _CLI_SYNTHS.failures, "\n".join(_CLI_SYNTHS.failures)
    return _CLI_SYNTHS.assemblies


_CLI_SYNTHS = SimpleNamespace(thread=None, base=None, assemblies={}, failures=[])
"""The background synths' thread, the run directory they are in, their assemblies and their failures."""


def pytest_collection_finish(session):
    if any("cli_assemblies" in getattr(item, "fixturenames", ()) for item in session.items):
        _start_cli_synths(run_dir(session.config))
    _start_scale_session(session)


def _start_cli_synths(base: Path) -> None:
    import threading

    _CLI_SYNTHS.base = base

    def run() -> None:
        try:
            _cli_synths(base)
        except Exception as exc:  # reported by the cli_assemblies fixture, in the main thread
            _CLI_SYNTHS.failures.append(f"the background synths failed: {exc!r}")

    _CLI_SYNTHS.thread = threading.Thread(target=run, daemon=True)
    _CLI_SYNTHS.thread.start()


def _cli_synths(base: Path) -> None:
    """The session's synths and lints, once per run: the first pytest-xdist worker to get here runs them and
    publishes the assemblies (or the failures) in the run directory ``base``; the others read them."""
    published = base / "cli-synths.json"
    if not claim(base / "cli-synths.claim"):
        done = read_json(published, "another pytest-xdist worker's session synths")
        _CLI_SYNTHS.failures.extend(done["failures"])
        _CLI_SYNTHS.assemblies.update({stem: Path(out) for stem, out in done["assemblies"].items()})
        return
    try:
        _synthesize_and_lint(base)
    except Exception as exc:
        _CLI_SYNTHS.failures.append(f"the background synths failed: {exc!r}")
    assemblies = {stem: str(out) for stem, out in _CLI_SYNTHS.assemblies.items()}
    publish(published, {"failures": _CLI_SYNTHS.failures, "assemblies": assemblies})


def _synthesize_and_lint(base: Path) -> None:
    """Every shipped spec's `cdk synth`, two at a time (the CI machine has two cores), each into its own cloud
    assembly; then cfn-lint of each and checkov over all of them, left running."""
    import subprocess

    from ultrafleet.deploy.cdk_cli import cdk_env

    env = cdk_env(ROOT)
    pending = []
    for spec in SPECS:
        out = base / f"cdkout-{spec.stem}"
        cmd = [str(ROOT / "node_modules/.bin/cdk"), "synth", "--quiet", "-c", f"spec={spec}", "--output", str(out)]
        pending.append((spec.stem, out, cmd))
    assemblies = {}
    while pending:
        batch, pending = pending[:2], pending[2:]
        procs = [
            (
                stem,
                out,
                subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
            )
            for stem, out, cmd in batch
        ]
        for stem, out, proc in procs:
            stdout, stderr = proc.communicate(timeout=300)
            if proc.returncode != 0:
                _CLI_SYNTHS.failures.append(f"cdk synth of {stem} failed:\n{stdout}\n{stderr}")
            assemblies[stem] = out
    if _CLI_SYNTHS.failures:
        return
    (base / "lint").mkdir()
    for region, stems in _specs_by_region(assemblies).items():
        outs = [assemblies[stem] for stem in stems]
        _BACKGROUND_LINT[region] = _start_cfn_lint(outs, region, base / "lint", _lint_job(base, region))
    checkov_dir = base / "checkov"
    checkov_dir.mkdir()
    _BACKGROUND_LINT[CHECKOV_JOB] = _start_checkov(assemblies, checkov_dir, _lint_job(base, CHECKOV_JOB))
    _CLI_SYNTHS.assemblies.update(assemblies)


def _lint_job(base: Path, job: str) -> Path:
    """Where a background lint's output and exit code go (tests/shared_session.py's ``start_job``)."""
    return base / "lint" / job


CHECKOV = ROOT / ".venv" / "checkov" / "bin" / "checkov"
CHECKOV_JOB = "checkov"


def stack_templates(assemblies: dict[str, Path]) -> dict[str, tuple[str, Path]]:
    """{stack name: (spec stem, template path)} over every shipped spec's cloud assembly."""
    import json

    found = {}
    for stem, out in assemblies.items():
        manifest = json.loads((out / "manifest.json").read_text())
        for name, artifact in manifest["artifacts"].items():
            if artifact["type"] == "aws:cloudformation:stack":
                found[name] = (stem, out / artifact["properties"]["templateFile"])
    return found


def _start_checkov(assemblies: dict[str, Path], cwd: Path, job: Path):
    """checkov's command line (from its own venv) once over every template, JSON out; tests/test_scanners.py
    collects it. None when checkov is not installed (the test says so)."""
    if not CHECKOV.is_file():
        return None
    files = [arg for _, path in stack_templates(assemblies).values() for arg in ("-f", str(path))]
    cmd = [str(CHECKOV), *files, "--framework", "cloudformation", "-o", "json", "--compact", "--skip-download"]
    return start_job(cmd, cwd, job)


def background_checkov() -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the checkov run started with the synth (ask for ``cli_assemblies`` first)."""
    assert CHECKOV.is_file(), f"{CHECKOV} missing: run `make install-dev`"
    return job_result(_lint_job(_CLI_SYNTHS.base, CHECKOV_JOB), "the session's checkov run", timeout=600)


_BACKGROUND_LINT: dict = {}
"""cfn-lint of each shipped spec's assembly and checkov over all of them, started as soon as they are
synthesized: they run on the second core while the suite goes on, and ``cfn_lint_findings`` and
``background_checkov`` collect them (from files, in whichever worker asks; this worker only keeps the
processes it started)."""


def _specs_by_region(stems) -> dict[str, list[str]]:
    """{region: the spec file stems in it}: cfn-lint runs once per region (loading its schemas takes about 1.5 s of
    CPU per process; 6 of the 8 shipped specs are in us-east-1)."""
    import yaml

    regions: dict[str, list[str]] = {}
    for stem in stems:
        regions.setdefault(yaml.safe_load((ROOT / "specs" / f"{stem}.yaml").read_text())["region"], []).append(stem)
    return regions


def _start_cfn_lint(assemblies: list[Path], region: str, cwd: Path, job: Path):
    """One cfn-lint process over every template of the assemblies, in their specs' region, with JSON output."""
    templates = sorted(str(t) for out in assemblies for t in out.glob("*.template.json"))
    cmd = [str(Path(sys.executable).parent / "cfn-lint"), "--format", "json", "--regions", region, "--", *templates]
    # cwd: a folder with no .cfnlintrc, so that no configuration of the project or the user changes the rules
    return start_job(cmd, cwd, job)


@pytest.fixture(scope="session")
def cfn_lint_findings(cli_assemblies) -> dict[str, dict[str, list[dict]]]:
    """{spec file stem: {stack name: cfn-lint's findings}} for every shipped spec (empty lists when clean)."""
    import json

    results = {}
    for region, stems in _specs_by_region(cli_assemblies).items():
        _, stdout, stderr = job_result(_lint_job(_CLI_SYNTHS.base, region), f"cfn-lint in {region}", timeout=600)
        findings = json.loads(stdout or "[]")
        assert stdout or not stderr, f"cfn-lint in {region} wrote no findings but: {stderr[-2000:]}"
        for stem in stems:
            out = cli_assemblies[stem]
            stacks = {t.name.removesuffix(".template.json"): [] for t in out.glob("*.template.json")}
            for finding in findings:
                if Path(finding["Filename"]).parent == out:
                    stacks[Path(finding["Filename"]).name.removesuffix(".template.json")].append(finding)
            results[stem] = stacks
    return results


@pytest.fixture(scope="session")
def cli_synth(cli_assemblies) -> dict[str, dict[str, dict]]:
    """{spec file stem: {stack name: template}} from the real CLI's cloud assemblies."""
    import json

    results = {}
    for stem, out in cli_assemblies.items():
        manifest = json.loads((out / "manifest.json").read_text())
        stacks = [k for k, v in manifest["artifacts"].items() if v["type"] == "aws:cloudformation:stack"]
        results[stem] = {s: json.loads((out / f"{s}.template.json").read_text()) for s in stacks}
    return results


def build_stacks(spec_data, environment=None):
    """Stacks for a spec (one of its environments when named), built in-process with cdk.json's context (as the
    real CLI would)."""
    import json

    import aws_cdk as cdk

    from ultrafleet.spec import parse_spec
    from ultrafleet.stacks import create_stacks

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    return create_stacks(cdk.App(context=context), parse_spec(spec_data, environment))


@pytest.fixture(scope="session")
def reference_stacks(root):
    """The reference spec's stacks built in-process, for CDK assertions."""
    import yaml

    return build_stacks(yaml.safe_load((root / "specs" / "reference.yaml").read_text()))


def fleet_template(stacks):
    """All fleet stacks' templates as one Template (fleet logical ids are unique across them)."""
    from aws_cdk.assertions import Template

    merged = {"Resources": {}, "Parameters": {}}
    for stack in stacks.fleets.values():
        template = Template.from_stack(stack).to_json()
        merged["Resources"] |= template["Resources"]
        merged["Parameters"] |= template.get("Parameters", {})
    return Template.from_json(merged)


def fleet_stack_names(spec_name: str, fleets: list[str]) -> list[str]:
    return [f"{spec_name}-fleet-{f}" for f in fleets]


TEST_WORKERS = 2
"""pytest-xdist workers when none are asked for: the machine `make test` must fit has two cores."""


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own, which turns the worker count into processes
def pytest_cmdline_main(config):
    """Run the suite on TEST_WORKERS workers, each test file whole on one of them (`--dist loadfile`: module
    fixtures stay once per module and a module's tests keep their order), unless ``-n``/``--dist`` are given,
    xdist is off (``-p no:xdist``) or --pdb is on. ``-n 0`` runs in one process."""
    option = config.option
    if getattr(option, "numprocesses", 0) is not None or hasattr(config, "workerinput") or option.usepdb:
        return
    option.numprocesses = TEST_WORKERS
    if option.dist == "no":
        option.dist = "loadfile"
        option.loadscopereorder = False  # hand out files in the order below, not by their number of tests


SLOW_FILES_FIRST = (
    "test_node_health.py",
    "test_landing_zone.py",
    "test_cdk_cli_deploy.py",
    "test_spec_limits.py",
    "test_fleet_stack.py",
    "test_feature_flags.py",
    "test_change_guard.py",
    "test_moto_extensions.py",
    "test_validation.py",
    "test_node_health_scripts.py",
    "test_environments.py",
    "test_scheduler_deploy.py",
    "test_moto_lifecycle.py",
)
"""The test files that take longest (about 8 to 25 s each on two workers, 2026-12-01), slowest first: handed out
first, so that the short files at the end even out the two workers' finishing times."""


def pytest_collection_modifyitems(config, items):
    _deselect_scale_512(config, items)
    if hasattr(config, "workerinput"):  # under pytest-xdist; every worker sorts alike, a file's tests keep order
        rank = {name: i for i, name in enumerate(SLOW_FILES_FIRST)}
        rank |= {name: len(rank) + 1 + i for i, name in enumerate(LAST_FILES)}
        items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FILES_FIRST)))


LAST_FILES = ("test_scale_512.py",)
"""Test files handed out last: they wait for the session's 512-fleet synth (tests/scale_session.py), which runs in
the background while the rest of the suite runs."""


def _start_scale_session(session) -> None:
    """The background 1-, 64- and 512-fleet synths (tests/scale_session.py), once per run, when collected tests ask
    for ``wide_assemblies`` (the 512-fleet steps only when some ask for ``scale_512``)."""
    import scale_session

    wanted = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    if wanted & {"wide_assemblies", "scale_512"}:
        scale_session.start(run_dir(session.config), grown="scale_512" in wanted)


@pytest.fixture(scope="session")
def wide_assemblies(pytestconfig) -> dict[int, Path]:
    """{fleet count: cloud assembly} of the session's 1- and 64-fleet ``scale_session.wide`` specs, synthesized
    in-process (as `ultrafleet synth` does) in the background."""
    import scale_session

    directory = run_dir(pytestconfig) / "scale"
    out = {}
    for count in (scale_session.SMALL, scale_session.OLDER):
        done = scale_session.result(directory, f"synth-{count}", f"the {count}-fleet synth")
        assert "error" not in done, done["error"]
        assert done["outcome"] == "DONE", f"the {count}-fleet synth left {done['outcome']} for the CLI"
        out[count] = scale_session.assembly(directory, count)
    return out


@pytest.fixture(scope="session")
def scale_512(pytestconfig, wide_assemblies) -> Path:
    """The session's scale directory once the 512-fleet `ultrafleet diff --against` the 64-fleet assembly (whose
    synth is the 512-fleet assembly) has ended; tests/scale_session.py names its files."""
    import scale_session

    directory = run_dir(pytestconfig) / "scale"
    scale_session.result(directory, "diff", "the 512-fleet synth and diff")
    return directory


SCALE_512_OPTION = "--scale-512"
SCALE_512_ENV = "ULTRAFLEET_TEST_SCALE_512"


def pytest_addoption(parser):
    parser.addoption(
        SCALE_512_OPTION,
        action="store_true",
        help=f"also run the tests marked scale_512 (or set {SCALE_512_ENV}=1): the session's 512-fleet synth, about "
        "60 CPU-seconds in the background (docs/speed.md)",
    )


def _deselect_scale_512(config, items) -> None:
    """Tests marked ``scale_512`` run only when asked for (--scale-512 or ULTRAFLEET_TEST_SCALE_512=1): their 512-fleet
    synth, cfn-lint and diff add about 60 CPU-seconds, 23 to 39 s of `make test` on two cores: under its 3 minutes
    but without margin (the figures: docs/speed.md). Deselected, they start nothing."""
    if config.getoption(SCALE_512_OPTION) or os.environ.get(SCALE_512_ENV) == "1":
        return
    deselected = [item for item in items if item.get_closest_marker("scale_512")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("scale_512")]
