"""Run the project's pinned CDK CLI (node_modules/.bin/cdk) on the venv's Node, with CDK's files kept local."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


class CdkCliMissing(RuntimeError):
    pass


def project_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` holding cdk.json."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "cdk.json").is_file():
            return candidate
    raise CdkCliMissing(f"no cdk.json in {here} or above; run from the ultrafleet project directory")


def cdk_env(root: Path) -> dict[str, str]:
    """Environment for the CLI: venv first on PATH, CDK_HOME in the project, telemetry and notices off."""
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["CDK_HOME"] = str(root / ".cdk")
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    node = Path(bin_dir) / "node"
    if node.exists():
        env.setdefault("JSII_NODE", str(node))
    return env


def run_cdk(args: list[str], root: Path, **kwargs) -> subprocess.CompletedProcess:
    cdk = root / "node_modules" / ".bin" / "cdk"
    if not cdk.exists():
        raise CdkCliMissing(f"{cdk} is missing; run `make install` (npm ci) first")
    return subprocess.run([str(cdk), *args], cwd=root, env=cdk_env(root), check=False, **kwargs)
