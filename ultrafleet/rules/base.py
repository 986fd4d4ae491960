"""What every rule shares: a compliance verdict, the rule's identity, and the template it reads.

A rule is a pure function ``(logical_id, resource, app) -> Compliance`` over synthesized CloudFormation: no CDK,
no AWS. ``App`` holds every template of one cloud assembly, so a rule can follow Fn::ImportValue across stacks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Compliance(StrEnum):
    COMPLIANT = "compliant"
    NON_COMPLIANT = "non-compliant"
    NOT_APPLICABLE = "not-applicable"


@dataclass(frozen=True, kw_only=True)
class App:
    """The templates of one cloud assembly, by stack name."""

    templates: dict[str, dict[str, Any]]

    def resources(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [(stack, lid, r) for stack, t in self.templates.items() for lid, r in t.get("Resources", {}).items()]

    def resource(self, stack: str, logical_id: str) -> dict[str, Any] | None:
        return self.templates.get(stack, {}).get("Resources", {}).get(logical_id)

    def follow(self, stack: str, value: Any) -> tuple[str, Any]:
        """Resolve Fn::ImportValue to the exporting stack's output value; anything else is returned as is."""
        if isinstance(value, dict) and "Fn::ImportValue" in value:
            name = value["Fn::ImportValue"]
            for other, template in self.templates.items():
                for output in template.get("Outputs", {}).values():
                    if output.get("Export", {}).get("Name") == name:
                        return other, output["Value"]
        return stack, value

    def referenced(self, stack: str, value: Any) -> tuple[str, str, dict[str, Any]] | None:
        """The resource a Ref / Fn::GetAtt (possibly through an import) points at."""
        stack, value = self.follow(stack, value)
        if isinstance(value, dict):
            lid = value.get("Ref") or (value.get("Fn::GetAtt") or [None])[0]
            if lid and (res := self.resource(stack, lid)):
                return stack, lid, res
        return None


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    description: str
    check: Callable[[str, str, dict[str, Any], App], Compliance]
    """(stack, logical_id, resource, app) -> verdict."""
