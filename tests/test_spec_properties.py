"""Property-based: specs generated from the published JSON Schema (`ultrafleet schema`), then mutated with hostile
values, run through the CLI in-process. Whatever the input: exit 0 or 2, never a traceback, bounded output; on 2
`synth` writes nothing; on 0 `plan --json` succeeds too. Derandomized and bounded so CI runs the same examples in
a few seconds."""

from __future__ import annotations

import copy
import json
import string
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import ROOT
from ultrafleet import catalog
from ultrafleet.cli.commands import app

runner = CliRunner()
SCHEMA = json.loads(runner.invoke(app, ["schema"]).stdout)
MAX_OUTPUT_CHARS = 20_000
"""Every message quotes bounded excerpts; even a spec full of errors prints a few kilobytes."""

# Hints for fields the schema types only as strings, so that generated specs get past the catalog checks and
# exercise the rules behind them.
REGIONS = ["us-east-1", "us-west-2"]
ZONES = ["us-east-1a", "us-east-1b", "us-east-1-dfw-2a", "us-west-2a", "us-west-2b"]
HINTS: dict[str, st.SearchStrategy[Any]] = {
    "instance_type": st.sampled_from(sorted(catalog.instance_types())),
    "ultraserver_type": st.sampled_from(sorted(catalog.ultraserver_types())),
    "region": st.sampled_from(REGIONS),
    "availability_zones": st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True),
    "vpc_cidr": st.sampled_from(["10.0.0.0/16", "10.1.0.0/20", "172.16.0.0/24", "10.0.0.0/8"]),
    "account": st.sampled_from(["123456789012", "999988887777"]),
    "name": st.from_regex(r"[a-z][a-z0-9-]{0,6}[a-z0-9]", fullmatch=True),
}
HOSTILE = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.sampled_from(["[bold]x[/]", "[/]", "aws:x", "..", "/", "/etc", "xn--a", "192.168.0.1", "yes", "2", "2.0"]),
    st.text(alphabet=string.printable + "\u00e9\u202e\u0000", max_size=40),
    st.text(alphabet="x", min_size=200, max_size=3000),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _from_schema(node: dict[str, Any], name: str = "", depth: int = 0) -> st.SearchStrategy[Any]:
    """Instances of a schema node: objects with their required and some optional fields, bounded numbers, strings
    matching their patterns."""
    node = _resolve(node)
    if name in HINTS:
        return HINTS[name]
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    for key in ("oneOf", "anyOf"):
        if key in node:
            return st.one_of([_from_schema(option, name, depth) for option in node[key]])
    kind = node.get("type")
    if kind == "object":
        if "properties" in node:
            return _object(node, depth)
        values = node.get("additionalProperties")
        value = _from_schema(values, "", depth + 1) if isinstance(values, dict) and depth < 3 else st.text(max_size=8)
        return st.dictionaries(st.from_regex(r"[a-z][a-z0-9-]{1,8}", fullmatch=True), value, max_size=2)
    if kind == "array":
        items = _from_schema(node["items"], name, depth + 1)
        return st.lists(items, min_size=node.get("minItems", 0), max_size=min(node.get("maxItems", 3), 3))
    if kind == "integer":
        low = node["minimum"] if "minimum" in node else node.get("exclusiveMinimum", -1) + 1
        return st.integers(min_value=low, max_value=node.get("maximum", low + 100))
    if kind == "number":
        low = node.get("minimum", node.get("exclusiveMinimum", 0))
        return st.floats(min_value=low, max_value=low + 1000, exclude_min="exclusiveMinimum" in node)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "string":
        if "pattern" in node:
            return st.from_regex(node["pattern"], fullmatch=True)
        return st.text(alphabet=string.ascii_lowercase + "-/", min_size=1, max_size=12)
    return st.none()


def _object(node: dict[str, Any], depth: int) -> st.SearchStrategy[dict[str, Any]]:
    properties = node["properties"]
    required = set(node.get("required", []))
    if depth >= 4:
        properties = {k: v for k, v in properties.items() if k in required}
    optional = sorted(set(properties) - required)
    return st.fixed_dictionaries(
        {k: _from_schema(properties[k], k, depth + 1) for k in sorted(required)},
        optional={k: _from_schema(properties[k], k, depth + 1) for k in optional},
    )


SHIPPED = [yaml.safe_load(p.read_text()) for p in sorted((ROOT / "specs").glob("*.yaml"))]
SPECS = st.one_of(_from_schema(SCHEMA), st.sampled_from(SHIPPED).map(copy.deepcopy))
"""Specs drawn from the schema, or a shipped spec (valid, so that mutations start from something deployable)."""


def _paths(value: Any, here: tuple = ()) -> list[tuple]:
    out = [here]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*here, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out += _paths(child, (*here, i))
    return out


@st.composite
def mutated_specs(draw: st.DrawFn) -> Any:
    spec = draw(SPECS)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        paths = _paths(spec)
        path = draw(st.sampled_from(paths))
        if not path:
            spec = draw(HOSTILE)
            break
        parent = spec
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = draw(HOSTILE)
    return spec


def _clean(result, limit: int = MAX_OUTPUT_CHARS) -> None:
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert len(result.output) < limit


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(mutated_specs())
def test_any_spec_exits_0_or_2_with_bounded_output(tmp_path_factory, spec):
    folder = tmp_path_factory.mktemp("spec")
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    result = runner.invoke(app, ["validate", str(path)])
    _clean(result)
    if result.exit_code == 2:
        out = folder / "cdk.out"
        _clean(runner.invoke(app, ["synth", str(path), "--output", str(out)]))
        assert not out.exists()
    else:
        planned = runner.invoke(app, ["plan", str(path), "--json"])
        _clean(planned, limit=10 * MAX_OUTPUT_CHARS)
        assert planned.exit_code == 0


def test_the_generator_reaches_valid_specs():
    """Not every example is an error: some generated specs pass validate (else the property checks only the
    error path)."""
    outcomes = []

    @settings(max_examples=20, derandomize=True, deadline=None, database=None)
    @given(mutated_specs())
    def run(spec):
        outcomes.append(_validates(spec))

    run()
    assert any(outcomes)


def _validates(spec: Any) -> bool:
    from ultrafleet.findings import SpecError
    from ultrafleet.spec import parse_spec
    from ultrafleet.validation import check

    try:
        check(parse_spec(spec))
        return True
    except SpecError:
        return False
