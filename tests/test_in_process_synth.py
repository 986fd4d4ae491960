"""`ultrafleet synth` builds the app in-process (ultrafleet.deploy.in_process) and writes the cloud assembly the
real `cdk synth` writes: every file of every shipped spec's assembly equals the session's real CLI synth
(``cli_assemblies``); the context equals the one the pinned CLI hands its app; the CLI still runs when asked
(``--cdk-cli``) or when the app needs more than a synth (lookups, annotations) or cdk.json is not reproduced."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT, SPECS
from ultrafleet.cli.commands import app
from ultrafleet.deploy import cdk_cli, in_process
from ultrafleet.deploy.cdk_cli import cdk_env


def files(assembly: Path) -> dict[str, str]:
    """{path inside the assembly: text}."""
    return {str(path.relative_to(assembly)): path.read_text() for path in sorted(assembly.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("stem", [spec.stem for spec in SPECS])
def test_every_file_equals_the_real_clis(cli_assemblies, tmp_path, stem):
    out = tmp_path / "cdk.out"
    assert in_process.synth(ROOT, {"spec": str(ROOT / "specs" / f"{stem}.yaml")}, out) is in_process.Outcome.DONE
    synthesized, cli = files(out), files(cli_assemblies[stem])
    assert sorted(synthesized) == sorted(cli)
    for name, text in cli.items():
        assert synthesized[name] == text, f"{stem}: {name} differs from the CLI's"
    assert any(name.endswith(".template.json") for name in cli)


def test_the_context_is_the_one_the_cli_passes_its_app(tmp_path):
    """The pinned CLI run on an app that only writes down CDK_CONTEXT_JSON and CDK_OUTDIR."""
    seen = tmp_path / "seen.json"
    dump = f"python3 -c \"import json, os; json.dump(dict(os.environ), open('{seen}', 'w'))\"; exit 3"
    cmd = [str(ROOT / "node_modules/.bin/cdk"), "synth", "-q", "-c", "spec=/specs/x.yaml", "-c", "env=dev"]
    result = subprocess.run(
        [*cmd, "--output", str(tmp_path / "out"), "--app", dump],
        cwd=ROOT,
        env=cdk_env(ROOT),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0  # the app wrote no assembly
    env = json.loads(seen.read_text())
    assert json.loads(env["CDK_CONTEXT_JSON"]) == in_process.cli_context(ROOT, {"spec": "/specs/x.yaml", "env": "dev"})
    assert env["CDK_OUTDIR"] == str(tmp_path / "out")


def test_synth_runs_in_process_by_default(monkeypatch, tmp_path):
    def no_cli(*args, **kwargs):
        raise AssertionError(f"the CLI ran: {args}")

    monkeypatch.setattr(cdk_cli, "run_cdk", no_cli)
    out = tmp_path / "cdk.out"
    result = CliRunner().invoke(app, ["synth", str(ROOT / "specs/starter.yaml"), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.template.json")) == [
        f"starter-{part}.template.json" for part in ("fleet-p5-dev", "network", "observability", "storage")
    ]


def test_an_invalid_spec_found_by_the_app_exits_2_and_writes_nothing(tmp_path):
    """app.py's code, in-process too (validate catches these first; the app checks again)."""
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: x\n")
    out = tmp_path / "cdk.out"
    with pytest.raises(SystemExit) as exited:
        in_process.synth(ROOT, {"spec": str(spec)}, out)
    assert exited.value.code == 2
    assert not out.exists()


def _entry(kind: str) -> dict:
    return {"type": kind, "data": "something to say"}


@pytest.mark.parametrize(
    ("change", "left"),
    [
        (
            lambda manifest, meta: manifest.update(missing=[{"key": "ami:x", "provider": "ami", "props": {}}]),
            in_process.Outcome.CLI_SYNTHESIZES,
        ),
        (
            lambda manifest, meta: next(iter(meta.values())).append(_entry("aws:cdk:warning")),
            in_process.Outcome.CLI_READS,
        ),
        (
            lambda manifest, meta: next(iter(meta.values())).append(_entry("aws:cdk:error")),
            in_process.Outcome.CLI_READS,
        ),
        (lambda manifest, meta: next(iter(meta.values())).append(_entry("aws:cdk:info")), in_process.Outcome.CLI_READS),
    ],
    ids=["missing-context", "warning", "error", "info"],
)
def test_the_cli_runs_when_the_assembly_needs_more_than_a_synth(cli_assemblies, tmp_path, change, left):
    assembly = tmp_path / "cdk.out"
    shutil.copytree(cli_assemblies["starter"], assembly)
    assert in_process.left_for_the_cli(assembly) is in_process.Outcome.DONE
    manifest = json.loads((assembly / "manifest.json").read_text())
    meta_file = assembly / "starter-storage.metadata.json"
    meta = json.loads(meta_file.read_text())
    change(manifest, meta)
    (assembly / "manifest.json").write_text(json.dumps(manifest))
    meta_file.write_text(json.dumps(meta))
    assert in_process.left_for_the_cli(assembly) is left


def test_annotations_alone_are_left_to_the_cli_reading_the_written_assembly(cli_assemblies, tmp_path):
    """An assembly whose only extra is annotations needs no second synth: `cdk synth --app ASSEMBLY` prints an info
    and passes, fails on an error, and writes nothing into it (a sharded spec's shards carry the CDK's info)."""
    assembly = tmp_path / "cdk.out"
    shutil.copytree(cli_assemblies["starter"], assembly)
    meta_file = assembly / "starter-storage.metadata.json"
    meta = json.loads(meta_file.read_text())
    path = next(iter(meta))
    meta[path].append({"type": "aws:cdk:info", "data": "approaching allowed maximum of 500"})
    meta_file.write_text(json.dumps(meta))
    assert in_process.left_for_the_cli(assembly) is in_process.Outcome.CLI_READS
    before = {p.name: p.stat().st_mtime_ns for p in assembly.iterdir()}
    read = cdk_cli.run_cdk(["synth", "--quiet", "--app", str(assembly)], ROOT, capture_output=True, text=True)
    assert read.returncode == 0, read.stderr
    assert f"INFO approaching allowed maximum of 500 (Construct Annotations)\n   {path[1:]}\n" in read.stderr
    assert {p.name: p.stat().st_mtime_ns for p in assembly.iterdir()} == before
    meta[path][-1] = {"type": "aws:cdk:error", "data": "something is wrong"}
    meta_file.write_text(json.dumps(meta))
    failed = cdk_cli.run_cdk(["synth", "--quiet", "--app", str(assembly)], ROOT, capture_output=True, text=True)
    assert failed.returncode != 0 and "something is wrong" in failed.stderr


def test_a_validation_report_or_a_nested_assemblys_annotation_needs_the_cli(cli_assemblies, tmp_path):
    outer = tmp_path / "outer"
    shutil.copytree(cli_assemblies["starter"], outer / "assembly-stage")
    (outer / "manifest.json").write_text(
        json.dumps(
            {
                "version": "55.0.0",
                "artifacts": {
                    "stage": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-stage"}}
                },
            }
        )
    )
    assert in_process.left_for_the_cli(outer) is in_process.Outcome.DONE
    meta_file = outer / "assembly-stage" / "starter-network.metadata.json"
    meta = json.loads(meta_file.read_text())
    next(iter(meta.values())).append(_entry("aws:cdk:warning"))
    meta_file.write_text(json.dumps(meta))
    assert in_process.left_for_the_cli(outer) is in_process.Outcome.CLI_READS
    shutil.rmtree(outer / "assembly-stage")
    shutil.copytree(cli_assemblies["starter"], outer / "assembly-stage")
    (outer / "policy-validation-report.json").write_text("{}")
    assert in_process.left_for_the_cli(outer) is in_process.Outcome.CLI_SYNTHESIZES


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"app": "python3 app.py"}, "cdk.json's app is 'python3 app.py', not "),
        ({"build": "make"}, "cdk.json sets build"),
    ],
)
def test_a_cdk_json_not_reproduced_leaves_the_synth_to_the_cli(tmp_path, change, reason):
    config = json.loads((ROOT / "cdk.json").read_text()) | change
    (tmp_path / "cdk.json").write_text(json.dumps(config))
    assert in_process.unsupported(tmp_path).startswith(reason)
    outcome = in_process.synth(tmp_path, {"spec": str(ROOT / "specs/starter.yaml")}, tmp_path / "cdk.out")
    assert outcome is in_process.Outcome.CLI_SYNTHESIZES
    assert not (tmp_path / "cdk.out").exists()
    assert in_process.unsupported(ROOT) is None


def test_cdk_cli_runs_the_pinned_cdk_synth_with_the_same_context(monkeypatch, tmp_path):
    """``--cdk-cli``: the real CLI (its output is the session's cli_assemblies), never the in-process synth."""
    ran = []

    def cli(args, root, **kwargs):
        ran.append((args, root))
        return subprocess.CompletedProcess(args, 0)

    def no_in_process(*args):
        raise AssertionError("synthesized in-process")

    monkeypatch.setattr(cdk_cli, "run_cdk", cli)
    monkeypatch.setattr(in_process, "synth", no_in_process)
    spec, out = ROOT / "specs/reference.yaml", tmp_path / "cdk.out"
    result = CliRunner().invoke(app, ["synth", str(spec), "--env", "dev", "--cdk-cli", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert ran == [(["synth", "--quiet", "-c", f"spec={spec}", "-c", "env=dev", "--output", str(out)], ROOT)]
