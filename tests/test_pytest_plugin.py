"""The installed pytest plugin must not break a project that has ultrafleet without its testing extra: pytest
loads every pytest11 plugin at start-up, before any test asks for moto."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

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


def _wheel(out: Path, name: str, version: str, files: dict[str, Path], dist_info: dict[str, str]) -> Path:
    """A pure-Python wheel of ``files`` (archive name -> file) and ``dist_info`` (file name -> text)."""
    wheel = out / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    info = f"{name.replace('-', '_')}-{version}.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        for arcname, path in files.items():
            archive.write(path, arcname)
        for file, text in dist_info.items():
            archive.writestr(f"{info}/{file}", text)
        archive.writestr(f"{info}/RECORD", "")
    return wheel


def _installed_wheel(out: Path, name: str) -> Path:
    """The dev venv's installed distribution ``name`` packed back into a wheel (pure Python, offline)."""
    dist = metadata.distribution(name)
    files = {
        str(f): Path(dist.locate_file(f))
        for f in dist.files or []
        if f.suffix != ".pyc" and not str(f).startswith("..") and ".dist-info/" not in str(f)
    }
    info = {f.name: dist.read_text(f.name) or "" for f in dist.files or [] if ".dist-info/" in str(f)}
    info.pop("RECORD", None)
    return _wheel(out, dist.metadata["Name"], dist.version, files, info)


def _ultrafleet_wheel(out: Path) -> Path:
    """ultrafleet's wheel: every file of the package, with the metadata setuptools generated for this checkout
    (its pytest11 entry point must be pyproject.toml's, or the metadata is stale)."""
    dist = metadata.distribution("ultrafleet")
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]
    installed = {ep.name: ep.value for ep in dist.entry_points if ep.group == "pytest11"}
    assert installed == declared, "the dev venv's ultrafleet metadata is stale: run make install-dev"
    files = {
        str(path.relative_to(ROOT)): path
        for path in sorted((ROOT / "ultrafleet").rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    info = {name: dist.read_text(name) or "" for name in ("METADATA", "WHEEL", "entry_points.txt", "top_level.txt")}
    return _wheel(out, "ultrafleet", dist.version, files, info)


PROBE = """import importlib.util as u
print(*(u.find_spec(m) is None for m in ("moto", "boto3")), u.find_spec("ultrafleet.testing.pytest_plugin").origin)
"""


def test_a_runtime_install_without_the_testing_extra_starts_pytest(tmp_path):
    """A fresh virtual environment with ultrafleet installed without its test requirements: pytest starts (the
    plugin loads through its pytest11 entry point), a plain test passes and moto_cloud names the extra.

    To stay offline and cheap, the environment gets pip installs of wheels packed here from what the dev venv
    holds: ultrafleet (``--no-deps``), and pytest with its own dependencies. Nothing else is installed, so besides
    moto it lacks ultrafleet's runtime dependencies too (aws-cdk-lib alone is larger than the suite's budget):
    pytest's start-up needs none of them, and the fixture's import stops at the first one missing, boto3. The
    message with boto3 present is asserted by test_pytest_starts_without_moto_and_the_fixture_names_the_extra."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    built = [_ultrafleet_wheel(wheels)]
    built += [_installed_wheel(wheels, name) for name in ("pytest", "pluggy", "iniconfig", "packaging", "pygments")]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    # --no-compile: byte-compiling Pygments would take most of the install's time
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index"]
    subprocess.run([*pip, "--no-compile", *map(str, built)], check=True, timeout=120)
    missing_moto, missing_boto3, plugin = subprocess.run(
        [str(python), "-c", PROBE],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert (missing_moto, missing_boto3) == ("True", "True")
    assert plugin.startswith(str(venv))  # the installed package, not the checkout
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_user.py").write_text(
        "def test_plain():\n    assert True\n\n\ndef test_wants_moto(moto_cloud):\n    pass\n"
    )
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
        cwd=project,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "1 passed, 1 error" in result.stdout, result.stdout + result.stderr
    assert "moto_cloud needs boto3: pip install 'ultrafleet[testing]'" in result.stdout
