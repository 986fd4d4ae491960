"""The spec reference, ``docs/spec-reference.md``, generated from the spec's JSON Schema (``ultrafleet schema``).

One section per object of the schema, in the order a reader meets them from the top of a spec, each a table of
its fields: type, default, allowed values and constraints, description (the field's docstring in
``ultrafleet/spec/models.py``). Regenerate with ``ultrafleet schema --markdown --output docs/spec-reference.md``.
"""

from __future__ import annotations

import json
import re
from typing import Any

REGENERATE = "ultrafleet schema --markdown --output docs/spec-reference.md"
CONSTRAINTS = {
    "minimum": "≥ {}",
    "exclusiveMinimum": "> {}",
    "maximum": "≤ {}",
    "exclusiveMaximum": "< {}",
    "multipleOf": "multiple of {}",
    "minLength": "{} or more characters",
    "maxLength": "{} characters at most",
    "minItems": "{} or more items",
    "maxItems": "{} items at most",
    "minProperties": "{} or more entries",
    "pattern": "matches `{}`",
}


class _Reference:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.defs: dict[str, dict[str, Any]] = schema.get("$defs", {})
        self.root = schema
        self.order, self.paths = self._walk()
        titles = [self.defs[key].get("title", key) for key in self.order]
        self.headings = {
            key: title if titles.count(title) == 1 else f"{title} ({key.split('__')[-2]})"
            for key, title in zip(self.order, titles, strict=True)
        }

    def _objects(self, node: Any) -> list[str]:
        """The object definitions a schema node refers to, in the order they appear."""
        found: list[str] = []
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref and "properties" in self.defs[ref.rsplit("/", 1)[1]]:
                found.append(ref.rsplit("/", 1)[1])
            for key, value in node.items():
                if key not in ("$ref", "default", "discriminator"):
                    found += self._objects(value)
        elif isinstance(node, list):
            for value in node:
                found += self._objects(value)
        return found

    def _walk(self) -> tuple[list[str], dict[str, list[str]]]:
        """Definitions depth first from the root, as a reader meets them, and every field path that uses each."""
        order: list[str] = []
        paths: dict[str, list[str]] = {}

        def visit(prefix: str, node: dict[str, Any]) -> None:
            for name, field in node.get("properties", {}).items():
                path = f"{prefix}{name}{self._suffix(field)}"
                for key in self._objects(field):
                    if path not in paths.setdefault(key, []):
                        paths[key].append(path)
                    if key not in order:
                        order.append(key)
                        visit(f"{path}.", self.defs[key])

        visit("", self.root)
        return order, paths

    def _suffix(self, field: dict[str, Any]) -> str:
        options = [field, *field.get("anyOf", [])]
        if any(o.get("type") == "array" for o in options):
            return "[]"
        if any(
            o.get("type") == "object" and ("additionalProperties" in o or "patternProperties" in o) for o in options
        ):
            return ".<name>"
        return ""

    def anchor(self, key: str) -> str:
        return re.sub(r"[^\w\- ]", "", self.headings[key].lower()).replace(" ", "-")

    def type_of(self, node: dict[str, Any]) -> str:
        if "$ref" in node:
            key = node["$ref"].rsplit("/", 1)[1]
            target = self.defs[key]
            if "properties" in target:
                return f"[{self.headings[key]}](#{self.anchor(key)})"
            return self.type_of({k: v for k, v in target.items() if k != "title"})
        for union in ("oneOf", "anyOf"):
            if union in node:
                options = [self.type_of(o) for o in node[union] if o.get("type") != "null"]
                text = " or ".join(dict.fromkeys(options))
                if "discriminator" in node:
                    text = f"one of {', '.join(options)} (chosen by `{node['discriminator']['propertyName']}`)"
                return text + (" or null" if any(o.get("type") == "null" for o in node[union]) else "")
        kind = node.get("type", "any")
        if kind == "array":
            return f"list of {self.type_of(node.get('items', {}))}"
        if kind == "object":
            values = node.get("additionalProperties")
            if "patternProperties" in node:
                ((pattern, values),) = node["patternProperties"].items()
                return f"map of `{pattern}` to {self.type_of(values)}"
            return f"map of string to {self.type_of(values)}" if isinstance(values, dict) else "mapping"
        return f"{kind} ({node['format']})" if "format" in node else kind

    def allowed(self, node: dict[str, Any]) -> list[str]:
        """Allowed values and constraints of a node and of its union's options, enums inlined."""
        if "$ref" in node:
            target = self.defs[node["$ref"].rsplit("/", 1)[1]]
            return [] if "properties" in target else self.allowed(target)
        found = [", ".join(f"`{v}`" for v in node["enum"])] if "enum" in node else []
        if "const" in node:
            found.append(f"`{node['const']}`")
        found += [text.format(node[key]) for key, text in CONSTRAINTS.items() if key in node]
        for option in node.get("anyOf", []):
            found += self.allowed(option)
        if "items" in node:
            found += [f"each {text}" for text in self.allowed(node["items"])]
        return found

    def _defaults(self, key: str) -> dict[str, Any] | None:
        """What a definition's fields default to, when every field has a default."""
        fields = self.defs[key]["properties"]
        if any("default" not in field for field in fields.values()):
            return None
        return {name: field["default"] for name, field in fields.items()}

    def default(self, name: str, field: dict[str, Any], required: set[str]) -> str:
        if name in required:
            return "required"
        if "default" not in field:
            return ""
        value = field["default"]
        ref = field.get("$ref", "").rsplit("/", 1)[-1]
        if ref in self.defs and isinstance(value, dict) and value and value == self._defaults(ref):
            return "each field's default"
        return "not set" if value is None else f"`{json.dumps(value, separators=(', ', ': '))}`"

    def section(self, heading: str, node: dict[str, Any], paths: list[str]) -> list[str]:
        lines = [f"## {heading}", ""]
        if paths:
            lines += ["At " + ", ".join(f"`{p}`" for p in paths) + ".", ""]
        if node.get("description"):
            lines += [_text(node["description"]), ""]
        lines += ["| field | type | default | allowed | description |", "| --- | --- | --- | --- | --- |"]
        required = set(node.get("required", []))
        for name, field in node["properties"].items():
            cells = [
                f"`{name}`",
                self.type_of(field),
                self.default(name, field, required),
                "; ".join(self.allowed(field)),
                _text(field.get("description", "")),
            ]
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        return [*lines, ""]


def _text(description: str) -> str:
    """A docstring as one Markdown line: rST double backticks to Markdown code."""
    return re.sub(r"\s+", " ", description.replace("``", "`")).strip()


def render_markdown(schema: dict[str, Any]) -> str:
    """The spec reference page for ``schema`` (the spec's JSON Schema)."""
    ref = _Reference(schema)
    lines = [
        "# Spec reference",
        "",
        "Every field of an ultrafleet spec, generated from its JSON Schema (`ultrafleet schema`) and the field",
        "docstrings of `ultrafleet/spec/models.py`. Do not edit by hand; regenerate with",
        f"`{REGENERATE}`.",
        "",
        "A field left out takes its default; `required` fields have none. Rules that need the instance catalog or",
        "several fields at once are validation's: [validation codes](validation-codes.md).",
        "",
        "Sections: " + ", ".join(f"[{ref.headings[key]}](#{ref.anchor(key)})" for key in ref.order) + ".",
        "",
        *ref.section("Spec", schema, []),
    ]
    for key in ref.order:
        lines += ref.section(ref.headings[key], ref.defs[key], ref.paths[key])
    return "\n".join(lines).rstrip() + "\n"
