"""Tags AWS accepts on every resource ultrafleet tags with them.

Source: "Tagging your AWS resources", Tag naming limits and requirements
(https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions), the same rules as the
EC2 User Guide's "Tag restrictions" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html):
at most 50 user-created tags per resource; a key of 1 to 128 Unicode characters, a value of at most 256; letters,
numbers, spaces and ``_ . : / = + - @``; the ``aws:`` prefix (any case) is reserved for AWS, in keys and values.
"""

from __future__ import annotations

import unicodedata

from ultrafleet.findings import Finding, error, excerpt
from ultrafleet.spec.models import Spec

MAX_TAGS_PER_RESOURCE = 50
MAX_KEY_CHARS = 128
MAX_VALUE_CHARS = 256
OWN_TAGS_PER_RESOURCE = 4
"""The most tags ultrafleet and the CDK add to one resource beside the spec's: ``ultrafleet:spec`` everywhere,
and on a subnet CDK's ``Name``, ``aws-cdk:subnet-name`` and ``aws-cdk:subnet-type`` (``ultrafleet:environment``
is counted among the spec's tags; tests/test_spec_limits.py measures the templates)."""
_PUNCTUATION = frozenset("_.:/=+-@")


def _allowed(text: str) -> bool:
    return all(c in _PUNCTUATION or unicodedata.category(c)[0] in "LNZ" for c in text)


def _check_text(path: str, text: str, what: str, limit: int) -> list[Finding]:
    if text.lower().startswith("aws:"):
        return [error("UF-TAG-001", path, f"{excerpt(text)}: the aws: prefix is reserved for AWS; remove it")]
    if len(text) > limit or (what == "key" and not text):
        return [
            error(
                "UF-TAG-002",
                path,
                f"{excerpt(text)}: a tag {what} has {'1' if what == 'key' else '0'} to "
                f"{limit} characters, this one {len(text)}; shorten it",
            )
        ]
    if not _allowed(text):
        return [
            error(
                "UF-TAG-003",
                path,
                f"{excerpt(text)}: a tag {what} may hold letters, numbers, spaces and _ . : / = + - @ only; "
                "replace the other characters",
            )
        ]
    return []


def check(spec: Spec) -> list[Finding]:
    out: list[Finding] = []
    for key, value in spec.tags.items():
        path = f"tags.{excerpt(key, quote=False)}"
        out += _check_text(path, key, "key", MAX_KEY_CHARS) + _check_text(path, value, "value", MAX_VALUE_CHARS)
    room = MAX_TAGS_PER_RESOURCE - OWN_TAGS_PER_RESOURCE
    if len(spec.tags) > room:
        out.append(
            error(
                "UF-TAG-004",
                "tags",
                f"{len(spec.tags)} tags: AWS allows {MAX_TAGS_PER_RESOURCE} per resource and ultrafleet adds up to "
                f"{OWN_TAGS_PER_RESOURCE} of its own; use at most {room}",
            )
        )
    return out
