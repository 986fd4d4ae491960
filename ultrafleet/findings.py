"""Findings: what validation reports. An error fails the command (exit 2); a warning informs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, kw_only=True)
class Finding:
    level: Level
    code: str
    """Stable identifier, e.g. UF-EFA-001, for suppressions and docs."""
    path: str
    """The spec field, e.g. fleets[0].instance_type."""
    message: str
    """Names the value, what is allowed and the fix."""

    def __str__(self) -> str:
        return f"{self.level.value} {self.code} {self.path}: {self.message}"


def error(code: str, path: str, message: str) -> Finding:
    return Finding(level=Level.ERROR, code=code, path=path, message=message)


def warning(code: str, path: str, message: str) -> Finding:
    return Finding(level=Level.WARNING, code=code, path=path, message=message)


class SpecError(Exception):
    """Raised when a spec has error findings; carries all of them."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))
