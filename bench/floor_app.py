"""The least that one stack per fleet can cost in the CDK: FLOOR_FLEETS stacks (default 1), each holding 12 raw
CfnResources of about a fleet stack's template size (a p5 fleet stack has 12 resources and about 29 KB), built with
one jsii call per resource and nothing else. `make bench` compares 64 and 512 such stacks with one, like for like
with ultrafleet's own 64- and 512-fleet synths (docs/speed.md, "Where the time goes")."""

import os

import aws_cdk as cdk

from ultrafleet.deploy.app_options import app_options

RESOURCES_PER_STACK = 12
VALUE = "x" * 2000  # 12 x 2 KB: about a fleet stack's 29 KB of template

app = cdk.App(**app_options())  # as app.py makes it: like for like
for fleet in range(int(os.environ.get("FLOOR_FLEETS", "1"))):
    stack = cdk.Stack(app, f"floor-{fleet:03d}")
    for index in range(RESOURCES_PER_STACK):
        cdk.CfnResource(
            stack,
            f"R{index}",
            type="AWS::SSM::Parameter",
            properties={"Type": "String", "Value": VALUE, "Name": f"/floor/{fleet}/{index}"},
        )
app.synth()
