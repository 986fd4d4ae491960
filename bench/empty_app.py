"""The baseline for synth timing: a CDK app with one empty stack, run by the same CLI and Node."""

import aws_cdk as cdk

from ultrafleet.deploy.app_options import app_options

app = cdk.App(**app_options())  # as app.py makes it: like for like
cdk.Stack(app, "empty")
app.synth()
