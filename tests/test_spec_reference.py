"""docs/spec-reference.md is what the spec's JSON Schema generates, and the generator leaves out no field."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from conftest import ROOT
from ultrafleet.cli.commands import app
from ultrafleet.spec import Spec
from ultrafleet.spec.reference import REGENERATE, render_markdown

PAGE = ROOT / "docs" / "spec-reference.md"


def test_committed_reference_equals_what_the_schema_generates():
    result = CliRunner().invoke(app, ["schema", "--markdown"])
    assert result.exit_code == 0, result.output
    assert PAGE.read_text() == result.stdout, f"docs/spec-reference.md is out of date; regenerate with `{REGENERATE}`"


def test_every_field_of_every_object_has_a_row():
    schema = Spec.model_json_schema()
    page = render_markdown(schema)
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", page, flags=re.S | re.M))
    objects = {"Spec": schema} | {key: d for key, d in schema["$defs"].items() if "properties" in d}
    assert len(sections) == len(objects)  # every object once; enums are inlined as allowed values
    rows = {heading: re.findall(r"^\| `(\w+)` \|", body, flags=re.M) for heading, body in sections.items()}
    assert sorted(map(sorted, rows.values())) == sorted(sorted(d["properties"]) for d in objects.values())


def test_a_row_carries_type_default_allowed_values_constraints_and_description():
    schema = {
        "properties": {
            "size": {"type": "integer", "minimum": 1, "maximum": 7, "default": 2, "description": "Parts ``n``."},
            "kind": {"$ref": "#/$defs/Kind"},
            "inner": {"anyOf": [{"$ref": "#/$defs/Inner"}, {"type": "null"}], "default": None},
            "ids": {"type": "array", "items": {"type": "string", "pattern": "^a|b$"}, "minItems": 1, "default": []},
        },
        "required": ["kind"],
        "$defs": {
            "Kind": {"enum": ["x", "y"], "type": "string", "title": "Kind"},
            "Inner": {"properties": {"on": {"type": "boolean", "default": True}}, "title": "Inner"},
        },
    }
    page = render_markdown(schema)
    assert "| `size` | integer | `2` | ≥ 1; ≤ 7 | Parts `n`. |" in page
    assert "| `kind` | string | required | `x`, `y` |  |" in page
    assert "| `inner` | [Inner](#inner) or null | not set |  |  |" in page
    assert "| `ids` | list of string | `[]` | 1 or more items; each matches `^a\\|b$` |  |" in page
    assert "## Inner\n\nAt `inner`.\n" in page
    assert "## Kind" not in page
