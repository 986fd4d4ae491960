"""The installed pytest plugin must not break a project that has ultrafleet without its testing extra: pytest
loads every pytest11 plugin at start-up, before any test asks for moto."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT


def test_pytest_starts_without_moto_and_the_fixture_names_the_extra(tmp_path):
    hidden = tmp_path / "hidden"
    (hidden / "moto").mkdir(parents=True)
    (hidden / "moto" / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'moto'\", name='moto')\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_user.py").write_text(
        "def test_plain():\n    assert True\n\n\ndef test_wants_moto(moto_cloud):\n    pass\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
        cwd=project,
        env={"PYTHONPATH": os.pathsep.join([str(hidden), str(ROOT)]), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "1 passed, 1 error" in result.stdout, result.stdout + result.stderr
    assert "moto_cloud needs moto: pip install 'ultrafleet[testing]'" in result.stdout
    assert "During handling" not in result.stdout
