"""Work done once per test run and shared by pytest-xdist's workers through files.

Every worker of a run sees the same run directory (xdist gives each worker ``<run>/<worker id>`` as its basetemp;
without xdist the run directory is the basetemp itself). The first worker to claim a job does it and publishes its
result there; the others wait for the file. Background processes write their output and exit code to files, so
that any worker can read them, whichever started them.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

WAIT_SECONDS = 900
"""How long a worker waits for another's published result (the session's synths and lints take about 1 minute
on an idle machine)."""


def run_dir(config: pytest.Config) -> Path:
    """The directory every worker of this test run shares."""
    base = config._tmp_path_factory.getbasetemp()  # the tmp_path_factory fixture's own factory
    return base.parent if hasattr(config, "workerinput") else base


def claim(path: Path) -> bool:
    """True for exactly one caller per path and run: the one that creates the claim file."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def publish(path: Path, data) -> None:
    """Write JSON so that a reader sees all of it or nothing (rename is atomic)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data))
    partial.rename(path)


def wait_for(path: Path, what: str, timeout: float = WAIT_SECONDS) -> Path:
    """Block until another worker (or a background process) has written ``path``."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"gave up after {timeout:.0f} s waiting for {what} ({path})"
        time.sleep(0.2)
    return path


def read_json(path: Path, what: str):
    return json.loads(wait_for(path, what).read_text())


def start_job(cmd: list[str], cwd: Path, prefix: Path) -> subprocess.Popen:
    """Run ``cmd`` in the background with its stdout, stderr and exit code in ``<prefix>.out``, ``.err``, ``.rc``
    (the exit code last, once the others are complete), whichever worker reads them and whether or not the
    starting worker is still there."""
    script = '"$@" >"$0.out" 2>"$0.err"; echo $? >"$0.rc.partial"; mv "$0.rc.partial" "$0.rc"'
    return subprocess.Popen(["/bin/sh", "-c", script, str(prefix), *cmd], cwd=cwd)


def job_result(prefix: Path, what: str, timeout: float = WAIT_SECONDS) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of a job started with ``start_job``, waiting for it to finish."""
    code = int(wait_for(prefix.with_name(prefix.name + ".rc"), what, timeout).read_text())
    return code, Path(f"{prefix}.out").read_text(), Path(f"{prefix}.err").read_text()
