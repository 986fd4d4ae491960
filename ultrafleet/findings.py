"""Findings: what validation reports. An error fails the command (exit 2); a warning informs."""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


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


EXCERPT_CHARS = 80
"""Longest excerpt of a user's value a message quotes; longer values are cut in the middle."""
_EXCERPT = reprlib.Repr()
_EXCERPT.maxlevel, _EXCERPT.maxdict, _EXCERPT.maxlist, _EXCERPT.maxtuple = 3, 4, 6, 6
_EXCERPT.maxstring = _EXCERPT.maxother = EXCERPT_CHARS


def excerpt(value: Any, *, quote: bool = True) -> str:
    """A bounded, printable excerpt of a user's value for a message: its repr (strings quoted, control
    characters escaped), or with ``quote=False`` a string's text without quotes, cut to about EXCERPT_CHARS."""
    if quote or not isinstance(value, str):
        return _EXCERPT.repr(value)
    text = repr(value)[1:-1]
    if len(text) <= EXCERPT_CHARS:
        return text
    half = (EXCERPT_CHARS - 3) // 2
    return f"{text[:half]}...{text[-half:]}"
