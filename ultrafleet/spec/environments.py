"""Environments: the spec's data for one named deployment (dev, prod), merged from its overrides.

The merged spec is named ``<spec>-<environment>`` and tagged ``ultrafleet:environment``, so stack and resource
names differ per environment, and it carries no ``environments`` or ``pipeline`` section: nothing of one
environment reaches another's template.
"""

from __future__ import annotations

from typing import Any

from ultrafleet.findings import SpecError, error

ENVIRONMENT_TAG = "ultrafleet:environment"
UNION_TAGS = frozenset(
    {
        "on-demand",
        "capacity-reservation",
        "capacity-block",
        "spot",
        "request-count",
        "gpu-utilization",
        "eks",
        "slurm-pcs",
    }
)
"""Discriminated-union tags that pydantic puts in error locations; they are not fields."""
_REPLACED_WHOLE = ("type", "metric")
"""A mapping carrying one of these keys is a tagged union (capacity, scaling): it replaces, never merges."""


def merge(base: Any, override: Any) -> Any:
    """``override`` laid over ``base``: mappings merge key by key, everything else replaces."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return override
    if any(key in override for key in _REPLACED_WHOLE):
        return override
    merged = dict(base)
    for key, value in override.items():
        merged[key] = merge(base[key], value) if key in base else value
    return merged


def environment_data(data: dict[str, Any], name: str) -> dict[str, Any]:
    """The spec data of environment ``name``. ``data`` is a spec that already parsed, environments included."""
    defined = data.get("environments") or {}
    if name not in defined:
        known = ", ".join(sorted(defined)) or "none; add an environments: section to the spec"
        raise SpecError([error("UF-SPEC-012", "environments", f"'{name}' is not an environment; defined: {known}")])
    override = dict(defined[name] or {})
    fleet_overrides = override.pop("fleets", None) or {}
    names = [f.get("name") for f in data["fleets"]]
    unknown = [f for f in fleet_overrides if f not in names]
    if unknown:
        raise SpecError(
            [
                error(
                    "UF-SPEC-013",
                    f"environments.{name}.fleets.{fleet}",
                    f"'{fleet}' is not a fleet of this spec; fleets: {', '.join(names)}",
                )
                for fleet in unknown
            ]
        )
    merged = {k: v for k, v in data.items() if k not in ("environments", "pipeline")}
    merged = merge(merged, override)
    merged["fleets"] = [merge(f, fleet_overrides.get(f["name"], {})) for f in data["fleets"]]
    merged["name"] = f"{data['name']}-{name}"
    merged["tags"] = {**merged.get("tags", {}), ENVIRONMENT_TAG: name}
    return merged


def override_path(loc: tuple[Any, ...], data: dict[str, Any], name: str) -> str | None:
    """The ``environments.<name>...`` path of a field that the environment set, or None when the value at ``loc``
    comes from the spec itself. ``loc`` is a pydantic error location in the merged spec."""
    override = data["environments"][name] or {}
    if not loc:
        return None
    if loc[0] == "name":
        return f"environments.{name}"
    if loc[0] == "fleets" and len(loc) > 1 and isinstance(loc[1], int):
        fleet = data["fleets"][loc[1]]["name"]
        node: Any = (override.get("fleets") or {}).get(fleet)
        parts, rest = ["environments", name, "fleets", fleet], loc[2:]
    else:
        node, parts, rest = override, ["environments", name], loc
    if node is None:
        return None
    for key in rest:
        if key in UNION_TAGS:
            continue
        if isinstance(node, dict):
            if key not in node and not any(tag in node for tag in _REPLACED_WHOLE):
                return None  # the spec's own value
            node = node.get(key)  # a field the environment set, or left out of a mapping it replaced
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            break  # a location inside a value the environment set
        parts.append(f"[{key}]" if isinstance(key, int) else str(key))
    return ".".join(parts).replace(".[", "[")
