"""CloudFormation properties in the shape of the service API that moto's backends take."""

from __future__ import annotations

from typing import Any


def camel_case(value: Any, *, renames: dict[str, str] | None = None, verbatim: frozenset[str] = frozenset()) -> Any:
    """PascalCase keys to camelCase, recursively. ``renames`` spells keys the API spells otherwise; the values of
    ``verbatim`` keys (free-form maps) keep their own keys."""
    renames = renames or {}
    if isinstance(value, list):
        return [camel_case(v, renames=renames, verbatim=verbatim) for v in value]
    if not isinstance(value, dict):
        return value
    return {
        renames.get(k, k[0].lower() + k[1:]): (
            v if k in verbatim else camel_case(v, renames=renames, verbatim=verbatim)
        )
        for k, v in value.items()
    }
