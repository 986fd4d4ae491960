"""What app.py does with a ``cdk.App``: read the spec named by its context and create the stacks. Shared by app.py
(the app the CDK CLI runs) and the in-process synth (ultrafleet.deploy.in_process), so that the two cannot drift.

Context: ``spec=PATH`` (default specs/reference.yaml), ``env=NAME`` (one of the spec's environments; default: the
spec as written), ``pipeline=true`` (the spec's CodePipeline stack instead), ``nag=true`` (cdk-nag's AwsSolutions
checks).
"""

from __future__ import annotations

import sys
from pathlib import Path

import aws_cdk as cdk

from ultrafleet.findings import SpecError
from ultrafleet.planning.ami_lock import locked
from ultrafleet.spec import load_spec
from ultrafleet.stacks import create_pipeline, create_stacks

DEFAULT_SPEC = "specs/reference.yaml"


def create_from_context(app: cdk.App) -> None:
    """The spec's stacks (or its pipeline) in ``app``; an invalid spec prints its findings and exits 2."""
    spec_path = Path(app.node.try_get_context("spec") or DEFAULT_SPEC)
    environment = app.node.try_get_context("env")
    if str(app.node.try_get_context("nag")).lower() == "true":
        from cdk_nag import AwsSolutionsChecks

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    try:
        if str(app.node.try_get_context("pipeline")).lower() == "true":
            create_pipeline(app, spec_path)
        else:
            create_stacks(app, locked(load_spec(spec_path, environment), spec_path, environment))
    except SpecError as exc:
        where = f" (environment {environment})" if environment else ""
        print(f"{spec_path}{where}: invalid spec\n{exc}", file=sys.stderr)
        sys.exit(2)
