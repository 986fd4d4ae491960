"""A corpus of broken spec files (tests/broken_specs), each naming its exact expected error in its first line.
Every one exits 2 through the CLI, and `synth` writes nothing for any of them. The corpus holds what only a file
can express (bad YAML, repeated keys, aliases, encodings, markup) and what once got past validate into synth or
the deploy; rules with a message of their own are tested in test_validation.py and test_spec_limits.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ultrafleet.cli.commands import app

CORPUS = sorted((Path(__file__).parent / "broken_specs").glob("*.yaml"))
runner = CliRunner()


def expected(path: Path) -> str:
    first = path.read_bytes().decode("utf-8", errors="replace").splitlines()[0]
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ")


def test_the_corpus_is_there():
    assert len(CORPUS) >= 10


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_broken_spec_fails_with_its_exact_error(path):
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert expected(path) in result.stderr.splitlines()[0]


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_synth_writes_nothing_for_a_broken_spec(path, tmp_path):
    out = tmp_path / "cdk.out"
    assert runner.invoke(app, ["synth", str(path), "--output", str(out)]).exit_code == 2
    assert not out.exists()
