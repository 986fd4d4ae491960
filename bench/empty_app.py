"""The baseline for synth timing: a CDK app with one empty stack, run by the same CLI and Node."""

import aws_cdk as cdk

from ultrafleet.deploy.app_options import APP_OPTIONS

app = cdk.App(**APP_OPTIONS)  # as app.py makes it: like for like
cdk.Stack(app, "empty")
app.synth()
