"""The replacement guard behind `ultrafleet diff`: read `cdk diff` output and flag changes that lose state.

`cdk diff` (aws-cdk's cloudformation-diff) marks each resource change with CloudFormation's own verdict:
``replace`` (a create-only property changed), ``may be replaced``, ``destroy`` (removed, deleted) and
``orphan`` (removed, retained by its DeletionPolicy). For a stateful resource the first three lose data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ultrafleet.findings import Finding, error, warning

STATEFUL_TYPES = frozenset({"AWS::S3::Bucket", "AWS::FSx::FileSystem", "AWS::KMS::Key"})
"""Replacing one of these loses what it holds: checkpoints, the Lustre file system, the key to both."""
LOSSY = {"replace": "would be replaced", "may be replaced": "may be replaced", "destroy": "would be deleted"}
"""The lossy verdicts, as the findings word them."""

_STACK = re.compile(r"^Stack (\S+)")
_RESOURCE = re.compile(
    r"^\[(?P<sign>[~+-])\] (?P<type>(?:AWS|Custom)::\S+) (?:(?P<path>\S+) )?(?P<logical_id>\S+) "
    r"(?P<action>replace|may be replaced|destroy|orphan)$"
)


@dataclass(frozen=True)
class Change:
    stack: str
    resource_type: str
    construct_path: str
    """The CDK construct path, e.g. Checkpoints/Bucket ('' when the template has no metadata)."""
    logical_id: str
    action: str


def parse_cdk_diff(text: str) -> list[Change]:
    """Every replaced, destroyed or orphaned resource in `cdk diff --no-color` output, by stack."""
    stack = ""
    changes = []
    for line in text.splitlines():
        if match := _STACK.match(line):
            stack = match.group(1)
        elif match := _RESOURCE.match(line.rstrip()):
            changes.append(
                Change(
                    stack=stack,
                    resource_type=match["type"],
                    construct_path=match["path"] or "",
                    logical_id=match["logical_id"],
                    action=match["action"],
                )
            )
    return changes


def guard(changes: list[Change], *, allow_replacement: bool) -> list[Finding]:
    """Errors for stateful resources a deploy would replace or delete (warnings when explicitly allowed), and
    warnings for stateful resources it would orphan."""
    findings = []
    for change in changes:
        if change.resource_type not in STATEFUL_TYPES:
            continue
        where = f"{change.stack}/{change.construct_path or change.logical_id}"
        what = f"{change.resource_type} {change.logical_id}"
        if change.action == "orphan":
            findings.append(
                warning(
                    "UF-DIFF-002",
                    where,
                    f"{what} leaves the stack but is retained: its data stays, unmanaged; import it or delete it "
                    "by hand",
                )
            )
        elif change.action in LOSSY:
            report = warning if allow_replacement else error
            findings.append(
                report(
                    "UF-DIFF-001",
                    where,
                    f"{what} {LOSSY[change.action]}, and its data with it. Revert the change, or copy the data "
                    "first and pass --allow-replacement",
                )
            )
    return findings
