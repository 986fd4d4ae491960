"""Strict JSON types for the spec's scalar fields: an integer field takes an integer, a boolean field a boolean.

pydantic's default (lax) mode coerces ``"2"`` and ``2.0`` to 2 and ``"yes"`` to True, while the JSON Schema that
``ultrafleet schema`` publishes says ``integer`` and ``boolean``: an editor would flag what validate accepted.
A number field still takes an integer, as JSON Schema's ``number`` does. Enums, names and CIDRs stay lax: YAML
gives them as strings, which is what the schema says.
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, Strict

STRICT_TYPES = (int, float, bool)


def _strict_scalar(annotation: Any) -> bool:
    """Whether ``annotation`` is int, float or bool, optionally ``| None``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
    else:
        args = [annotation]
    return len(args) == 1 and args[0] in STRICT_TYPES


def make_scalars_strict(model: type[BaseModel]) -> None:
    """Mark every int, float and bool field of ``model`` strict and rebuild its validator (call it from
    ``__pydantic_init_subclass__``, before other models embed this one)."""
    changed = False
    for field in model.model_fields.values():
        if _strict_scalar(field.annotation) and not any(isinstance(m, Strict) for m in field.metadata):
            field.metadata.append(Strict())
            changed = True
    if changed:
        model.model_rebuild(force=True)
