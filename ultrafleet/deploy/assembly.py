"""Read a cloud assembly (`cdk synth` output): its stack artifacts and their templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def assembly_stacks(cdk_out: Path) -> dict[str, dict[str, Any]]:
    """The stack artifacts of a cloud assembly, by artifact id (the stack name for an app's own stacks)."""
    manifest = json.loads((cdk_out / "manifest.json").read_text())
    return {k: v for k, v in manifest["artifacts"].items() if v["type"] == "aws:cloudformation:stack"}


def template_file(cdk_out: Path, artifact: dict[str, Any]) -> Path:
    return cdk_out / artifact["properties"]["templateFile"]


def counted(template: dict) -> tuple[int, int, int, int | None]:
    """(resources, outputs, parameters, dashboard widgets) of a synthesized template."""
    widgets = None
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::CloudWatch::Dashboard":
            body = resource["Properties"]["DashboardBody"]
            text = body if isinstance(body, str) else "".join(p for p in body["Fn::Join"][1] if isinstance(p, str))
            widgets = text.count('"type":')
    return len(template["Resources"]), len(template.get("Outputs", {})), len(template.get("Parameters", {})), widgets
