"""CDK entry point: read the spec named by context (-c spec=PATH) and create its stacks. Nothing else."""

import sys
from pathlib import Path

import aws_cdk as cdk

from ultrafleet.findings import SpecError
from ultrafleet.spec import load_spec
from ultrafleet.stacks import create_stacks

DEFAULT_SPEC = "specs/reference.yaml"

app = cdk.App()
spec_path = Path(app.node.try_get_context("spec") or DEFAULT_SPEC)
if str(app.node.try_get_context("nag")).lower() == "true":  # cdk synth -c nag=true: AwsSolutions checks
    from cdk_nag import AwsSolutionsChecks

    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
try:
    create_stacks(app, load_spec(spec_path))
except SpecError as exc:
    print(f"{spec_path}: invalid spec\n{exc}", file=sys.stderr)
    sys.exit(2)
app.synth()
