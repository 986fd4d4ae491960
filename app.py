"""CDK entry point: read the spec named by context and create its stacks. Nothing else.

Context: ``-c spec=PATH`` (default specs/reference.yaml), ``-c env=NAME`` (one of the spec's environments;
default: the spec as written), ``-c pipeline=true`` (the spec's CodePipeline stack instead), ``-c nag=true``.
The body is ultrafleet.deploy.app_body, which `ultrafleet synth` also runs in-process.
"""

import aws_cdk as cdk

from ultrafleet.deploy.app_body import create_from_context
from ultrafleet.deploy.app_options import app_options

app = cdk.App(**app_options())
create_from_context(app)
app.synth()
