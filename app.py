"""CDK entry point: read the spec named by context and create its stacks. Nothing else.

Context: ``-c spec=PATH`` (default specs/reference.yaml), ``-c env=NAME`` (one of the spec's environments;
default: the spec as written), ``-c pipeline=true`` (the spec's CodePipeline stack instead), ``-c nag=true``.
"""

import sys
from pathlib import Path

import aws_cdk as cdk

from ultrafleet.findings import SpecError
from ultrafleet.planning.ami_lock import locked
from ultrafleet.spec import load_spec
from ultrafleet.stacks import create_pipeline, create_stacks

DEFAULT_SPEC = "specs/reference.yaml"

app = cdk.App()
spec_path = Path(app.node.try_get_context("spec") or DEFAULT_SPEC)
environment = app.node.try_get_context("env")
if str(app.node.try_get_context("nag")).lower() == "true":  # cdk synth -c nag=true: AwsSolutions checks
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
app.synth()
