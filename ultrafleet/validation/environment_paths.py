"""Findings on an environment's merged spec, named by the field the environment set when it set it
(``environments.prod.fleets.train.count``, not ``fleets[0].count``)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from ultrafleet.findings import Finding
from ultrafleet.spec.environments import override_path

_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def location(path: str) -> tuple[Any, ...]:
    """A finding path (``fleets[0].capacity.type``) as a pydantic-style location."""
    return tuple(int(index) if index else name for index, name in _PART.findall(path))


CAUSES = {"UF-PLC-006": "region", "UF-PLC-007": "account", "UF-PLC-008": "account", "UF-INF-011": "region"}
"""Findings on a value the spec set that an environment's own field makes wrong (the spec's zones in the region
the environment moved to): named by that field when the environment set it."""


def relocate(findings: list[Finding], data: dict[str, Any], environment: str) -> list[Finding]:
    out = []
    for finding in findings:
        moved = override_path(location(finding.path), data, environment)
        cause = CAUSES.get(finding.code)
        if moved is None and cause:
            moved = override_path((cause,), data, environment)
        out.append(dataclasses.replace(finding, path=moved) if moved else finding)
    return out
