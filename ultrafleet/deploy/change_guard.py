"""The replacement guard behind `ultrafleet diff`: read `cdk diff` output and flag changes that lose state.

`cdk diff` (aws-cdk's cloudformation-diff) marks each resource change with CloudFormation's own verdict:
``replace`` (a create-only property changed), ``may be replaced``, ``destroy`` (removed, deleted) and
``orphan`` (removed, retained by its DeletionPolicy). For a stateful resource the first three lose data.

Two changes lose state without a stateful resource's verdict saying so: replacing the VPC or a subnet (a
``network.vpc_cidr`` change) replaces what the file system and every fleet live in, which the other stacks import
by value (their templates do not change, and CloudFormation refuses to replace an export another stack uses); and
a smaller Lustre ``StorageCapacity``, which FSx refuses: a file system's storage can only grow (FSx for Lustre User
Guide, "Managing storage capacity", https://docs.aws.amazon.com/fsx/latest/LustreGuide/managing-storage-capacity.html).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ultrafleet.findings import Finding, error, warning

STATEFUL_TYPES = frozenset({"AWS::S3::Bucket", "AWS::FSx::FileSystem", "AWS::KMS::Key"})
"""Replacing one of these loses what it holds: checkpoints, the Lustre file system, the key to both."""
LOSSY = {"replace": "would be replaced", "may be replaced": "may be replaced", "destroy": "would be deleted"}
"""The lossy verdicts, as the findings word them."""
NETWORK_TYPES = frozenset({"AWS::EC2::VPC", "AWS::EC2::Subnet"})
"""Replacing one of these replaces the ground the file system and the fleets stand on."""
DECREASE = "decrease"
"""The action of a Change that lowers a file system's StorageCapacity."""
_ANY_RESOURCE = re.compile(r"^\[[~+-]\] (?P<type>(?:AWS|Custom)::\S+) (?:(?P<path>\S+) )?(?P<logical_id>\S+)")
_PROPERTY = re.compile(r"^ [└├]─ \[~\] (?P<name>\w+)")
_VALUE = re.compile(r"^ [ │]\s+[└├]─ \[(?P<sign>[-+])\] (?P<value>\d+)$")

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
    detail: str = ""
    """For a decrease: ``StorageCapacity 4800 -> 2400``."""


def parse_cdk_diff(text: str) -> list[Change]:
    """Every replaced, destroyed or orphaned resource in `cdk diff --no-color` output, by stack, and every file
    system whose StorageCapacity would decrease."""
    stack = ""
    changes = []
    resource: re.Match[str] | None = None
    prop, old = "", None
    for line in text.splitlines():
        if match := _STACK.match(line):
            stack, resource = match.group(1), None
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
        if match := _ANY_RESOURCE.match(line):
            resource, prop, old = match, "", None
        elif match := _PROPERTY.match(line):
            prop, old = match["name"], None
        elif (match := _VALUE.match(line.rstrip())) and resource and prop == "StorageCapacity":
            if match["sign"] == "-":
                old = int(match["value"])
            elif old is not None and int(match["value"]) < old and resource["type"] == "AWS::FSx::FileSystem":
                changes.append(
                    Change(
                        stack=stack,
                        resource_type=resource["type"],
                        construct_path=resource["path"] or "",
                        logical_id=resource["logical_id"],
                        action=DECREASE,
                        detail=f"StorageCapacity {old} -> {match['value']}",
                    )
                )
    return changes


def guard(changes: list[Change], *, allow_replacement: bool) -> list[Finding]:
    """Errors for stateful resources a deploy would replace or delete (warnings when explicitly allowed), and
    warnings for stateful resources it would orphan."""
    findings = []
    for change in changes:
        where = f"{change.stack}/{change.construct_path or change.logical_id}"
        what = f"{change.resource_type} {change.logical_id}"
        if change.action == DECREASE:
            findings.append(
                error(
                    "UF-DIFF-004",
                    where,
                    f"{what}: {change.detail} GiB, but an FSx for Lustre file system can only grow; keep the "
                    "capacity, or move the data to a new file system first",
                )
            )
            continue
        if change.resource_type in NETWORK_TYPES and change.action in LOSSY:
            report = warning if allow_replacement else error
            findings.append(
                report(
                    "UF-DIFF-003",
                    where,
                    f"{what} {LOSSY[change.action]}, and with it the subnets the file system and every fleet live "
                    "in (the other stacks import them, so the deploy fails or replaces them all). Revert the "
                    "network change (network.vpc_cidr), or deploy a new environment and pass --allow-replacement",
                )
            )
            continue
        if change.resource_type not in STATEFUL_TYPES:
            continue
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
