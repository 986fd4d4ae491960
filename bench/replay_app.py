"""What ultrafleet's own templates cost the CDK at the least: every stack of the cloud assembly REPLAY_ASSEMBLY rebuilt
with one raw CfnResource per resource (its type, properties and attributes as synthesized, at its logical id as a
direct child of the stack), one CfnParameter and CfnOutput per parameter and output, and nothing else: no L2, no
construct wrappers, no attribute reads, no Python rendering. `make bench` compares its 64- and 512-fleet synths with
its 1-fleet one, beside ultrafleet's own (docs/speed.md, "Where the time goes")."""

import json
import os
from pathlib import Path

import aws_cdk as cdk

from ultrafleet.deploy.app_options import app_options

ATTRIBUTES = ("DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy")

assembly = Path(os.environ["REPLAY_ASSEMBLY"])
manifest = json.loads((assembly / "manifest.json").read_text())
app = cdk.App(**app_options())  # as app.py makes it: like for like
for name, artifact in manifest["artifacts"].items():
    if artifact["type"] != "aws:cloudformation:stack":
        continue
    template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
    stack = cdk.Stack(app, name, description=template.get("Description"))
    for logical_id, parameter in template.get("Parameters", {}).items():
        if logical_id != "BootstrapVersion":  # the stack synthesizer's own
            cdk.CfnParameter(stack, logical_id, type=parameter["Type"], default=parameter.get("Default"))
    for logical_id, output in template.get("Outputs", {}).items():
        value = output["Value"] if isinstance(output["Value"], str) else cdk.Token.as_string(output["Value"])
        cdk.CfnOutput(stack, logical_id, value=value, export_name=output.get("Export", {}).get("Name"))
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::CDK::Metadata":
            continue
        cfn = cdk.CfnResource(stack, logical_id, type=resource["Type"], properties=resource.get("Properties"))
        for attribute in ATTRIBUTES:
            if attribute in resource:
                cfn.add_override(attribute, resource[attribute])
app.synth()
