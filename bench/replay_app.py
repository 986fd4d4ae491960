"""What ultrafleet's own templates cost the CDK at the least: every stack of the cloud assembly REPLAY_ASSEMBLY rebuilt
with nothing but its template. REPLAY_MODE=resources (the default): one raw CfnResource per resource (its type,
properties and attributes as synthesized, at its logical id as a direct child of the stack), one CfnParameter and
CfnOutput per parameter and output: no L2, no construct wrappers, no attribute reads, no Python rendering.
REPLAY_MODE=include: one CfnInclude of the template per stack (the CDK parses it into L1s in its own process: one jsii
request per stack). `make bench` compares their 64- and 512-fleet synths with their 1-fleet ones, beside
ultrafleet's own (docs/speed.md, "Where the time goes")."""

import json
import os
import tempfile
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import cloudformation_include

from ultrafleet.deploy.app_options import app_options

ATTRIBUTES = ("DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy")
SYNTHESIZERS_OWN = "BootstrapVersion"
"""The parameter (and, in Rules, the check) every stack's synthesizer adds itself."""
PATH = "aws:cdk:path"
"""The metadata entry the CDK writes itself, for the resource's new construct path."""


def own_metadata(resource: dict) -> dict:
    """The resource's metadata but its construct path: the scanners' acknowledgments, as synthesized."""
    return {key: value for key, value in resource.get("Metadata", {}).items() if key != PATH}


def add_resources(stack: cdk.Stack, template: dict) -> None:
    for logical_id, parameter in template.get("Parameters", {}).items():
        if logical_id != SYNTHESIZERS_OWN:
            cdk.CfnParameter(stack, logical_id, type=parameter["Type"], default=parameter.get("Default"))
    for logical_id, output in template.get("Outputs", {}).items():
        value = output["Value"] if isinstance(output["Value"], str) else cdk.Token.as_string(output["Value"])
        cdk.CfnOutput(stack, logical_id, value=value, export_name=output.get("Export", {}).get("Name"))
    for logical_id, resource in template["Resources"].items():
        cfn = cdk.CfnResource(stack, logical_id, type=resource["Type"], properties=resource.get("Properties"))
        for attribute in ATTRIBUTES:
            if attribute in resource:
                cfn.add_override(attribute, resource[attribute])
        for key, value in own_metadata(resource).items():
            cfn.add_metadata(key, value)


def include(stack: cdk.Stack, name: str, template: dict, work: Path) -> None:
    template = {key: value for key, value in template.items() if key not in ("Rules", "Description")}
    template["Parameters"] = {k: v for k, v in template.get("Parameters", {}).items() if k != SYNTHESIZERS_OWN}
    template["Resources"] = {k: r | {"Metadata": own_metadata(r)} for k, r in template["Resources"].items()}
    path = work / f"{name}.json"
    path.write_text(json.dumps(template))
    cloudformation_include.CfnInclude(stack, "Template", template_file=str(path))


assembly = Path(os.environ["REPLAY_ASSEMBLY"])
manifest = json.loads((assembly / "manifest.json").read_text())
include_mode = os.environ.get("REPLAY_MODE", "resources") == "include"
app = cdk.App(**app_options())  # as app.py makes it: like for like
with tempfile.TemporaryDirectory() as work:
    for name, artifact in manifest["artifacts"].items():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
        stack = cdk.Stack(app, name, description=template.get("Description"))
        if include_mode:
            include(stack, name, template, Path(work))
        else:
            add_resources(stack, template)
    app.synth()
