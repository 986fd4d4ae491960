"""`ultrafleet synth` without starting the CDK CLI: the app built and synthesized in this process with the
context the pinned CLI (2.1148) would give it, so the cloud assembly is the one `cdk synth` writes
(tests/test_in_process_synth.py compares every file with the real CLI's). It saves the CLI's Node start and its
work around the app (about 0.6 s, more on a loaded machine) and, inside a process that already runs jsii (the test
suite), the app's own Python and jsii start.

What `cdk synth -c k=v --output DIR` does for this project, and how it is reproduced here:
- runs cdk.json's ``app`` (``CDK_VALIDATION=${CDK_VALIDATION:-false} python3 app.py``): app.py's body is
  ``create_from_context``, called here on an App whose CloudFormation validation is on exactly when the shell's
  ``${CDK_VALIDATION:-false}`` would leave it on;
- passes the context in CDK_CONTEXT_JSON: cdk.json's ``context``, then cdk.context.json's, then each ``-c``, plus
  the settings of ``cli_context`` (read from the environment the CLI 2.1148 gives the app), over the context the app
  gives itself (``app_options``); here the App's ``context``, merged the same way;
- passes the output directory in CDK_OUTDIR: here the App's ``outdir``;
- runs the app in the project directory (relative paths, such as the default spec, resolve there): here too;
- then reads the assembly: looks up missing context from AWS, prints each stack's info, warnings and errors and
  fails on an error or a failed validation report. Those cases are left to the real CLI. Missing context or a
  validation report: ``synth`` returns ``Outcome.CLI_SYNTHESIZES`` and the caller runs `cdk synth`, which rewrites
  the assembly and reports them as it always has. Annotations alone: ``Outcome.CLI_READS``, and the caller runs
  `cdk synth --app ASSEMBLY`, with which the CLI reads the assembly just written, prints and judges them, and builds
  nothing again (a sharded spec's observability stacks carry the CDK's info "approaching allowed maximum of 500":
  a second synth of 512 fleets cost a minute).

A cdk.json with other settings (a ``build`` step, another ``app``) or a user's ~/.cdk.json is not reproduced:
``unsupported`` names it and the real CLI runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from enum import Enum
from pathlib import Path

APP_COMMAND = "CDK_VALIDATION=${CDK_VALIDATION:-false} python3 app.py"
"""The only cdk.json ``app`` this module reproduces."""

SETTINGS = {"app", "context", "notices", "watch", "versionReporting", "pathMetadata", "assetMetadata"}
"""cdk.json settings that are reproduced (or, like notices and watch, do not change a synth)."""


def unsupported(root: Path) -> str | None:
    """Why the in-process synth would not be the CLI's for this project (then run the CLI), or None."""
    config = json.loads((root / "cdk.json").read_text())
    if config.get("app") != APP_COMMAND:
        return f"cdk.json's app is {config.get('app')!r}, not {APP_COMMAND!r}"
    if extra := sorted(set(config) - SETTINGS):
        return f"cdk.json sets {', '.join(extra)}"
    if (Path.home() / ".cdk.json").is_file():
        return f"{Path.home() / '.cdk.json'} may add settings"
    return None


def cli_context(root: Path, context: dict[str, str]) -> dict:
    """The context the CLI passes to the app (CDK_CONTEXT_JSON) for `cdk synth` with these ``-c`` values."""
    config = json.loads((root / "cdk.json").read_text())
    merged = dict(config.get("context", {}))
    saved = root / "cdk.context.json"
    if saved.is_file():
        merged |= json.loads(saved.read_text())
    merged |= context
    merged["aws:cdk:enable-path-metadata"] = config.get("pathMetadata", True)
    merged["aws:cdk:enable-asset-metadata"] = config.get("assetMetadata", True)
    if config.get("versionReporting", True) is False:
        merged["aws:cdk:disable-version-reporting"] = True
    else:
        merged["aws:cdk:version-reporting"] = True
    merged["aws:cdk:bundling-stacks"] = ["**"]
    merged["@aws-cdk/core:failSynthOnValidationErrors"] = False
    return merged


MESSAGE_TYPES = {"aws:cdk:info", "aws:cdk:warning", "aws:cdk:error"}
"""Metadata entries the CLI prints (and fails on, for errors) after a synth."""


class Outcome(Enum):
    """What is left for the CLI after ``synth``."""

    DONE = "done"
    """The assembly is written; nothing is left for the CLI."""
    CLI_READS = "cli-reads"
    """The assembly is written and carries annotations: `cdk synth --app ASSEMBLY` prints and judges them."""
    CLI_SYNTHESIZES = "cli-synthesizes"
    """`cdk synth` must run the app: the project's cdk.json is not reproduced here, or context is to be looked up,
    or there is a validation report."""


def synth(root: Path, context: dict[str, str], output: Path) -> Outcome:
    """Synthesize the app into ``output`` as `cdk synth` would, and say what is left for the CLI (the module's
    docstring): CLI_SYNTHESIZES, having written nothing, when this project's cdk.json is not one reproduced here
    (``unsupported``). An invalid spec exits 2 (app.py's code) with nothing written."""
    if unsupported(root):
        return Outcome.CLI_SYNTHESIZES
    import aws_cdk as cdk

    from ultrafleet.deploy.app_body import create_from_context
    from ultrafleet.deploy.app_options import app_options

    validation = (os.environ.get("CDK_VALIDATION") or "false") != "false"
    existed = output.exists()
    app = cdk.App(
        outdir=str(output.resolve()),
        builtin_cloud_formation_validation=validation,
        **app_options(cli_context(root, context)),  # the CLI's context over the app's own, as in app.py
    )
    try:
        with contextlib.chdir(root):  # the CLI runs the app in the project directory: relative paths resolve there
            create_from_context(app)
            app.synth()
    except SystemExit:
        if not existed:  # the App made the directory
            shutil.rmtree(output, ignore_errors=True)
        raise
    return left_for_the_cli(output)


def left_for_the_cli(assembly: Path) -> Outcome:
    """What the CLI still has to do with a written cloud assembly (or one nested in it): synthesize again when
    context is missing or there is a validation report, read it when it carries annotations, else nothing."""
    if _needs_a_new_synth(assembly):
        return Outcome.CLI_SYNTHESIZES
    return Outcome.CLI_READS if _annotated(assembly) else Outcome.DONE


def _nested(assembly: Path, manifest: dict) -> list[Path]:
    return [
        assembly / a["properties"]["directoryName"]
        for a in manifest["artifacts"].values()
        if a["type"] == "cdk:cloud-assembly"
    ]


def _needs_a_new_synth(assembly: Path) -> bool:
    """Whether a cloud assembly (or one nested in it) misses context or carries a validation report."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    if manifest.get("missing") or any(assembly.glob("*validation-report*.json")):
        return True
    return any(_needs_a_new_synth(nested) for nested in _nested(assembly, manifest))


def _annotated(assembly: Path) -> bool:
    """Whether a stack of a cloud assembly (or of one nested in it) carries info, warning or error annotations."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    for artifact in manifest["artifacts"].values():
        entries = [e for path in artifact.get("metadata", {}).values() for e in path]
        if extra := artifact.get("additionalMetadataFile"):
            entries += [e for path in json.loads((assembly / extra).read_text()).values() for e in path]
        if any(e["type"] in MESSAGE_TYPES for e in entries):
            return True
    return any(_annotated(nested) for nested in _nested(assembly, manifest))
