"""The baseline for synth timing: a CDK app with one empty stack, run by the same CLI and Node."""

import aws_cdk as cdk

app = cdk.App()
cdk.Stack(app, "empty")
app.synth()
