"""CloudFormation's and CloudWatch's per-template quotas against the predicted stack counts
(ultrafleet.planning.stack_counts): a spec over one fails before synth, a spec above WARN_PERCENT is warned."""

from __future__ import annotations

from dataclasses import dataclass

from ultrafleet.findings import Finding, error, warning
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.stack_counts import (
    MAX_DASHBOARD_WIDGETS,
    MAX_OUTPUTS,
    MAX_PARAMETERS,
    MAX_RESOURCES,
    StackCounts,
    predict,
)
from ultrafleet.spec.models import Spec

WARN_PERCENT = 80
"""A count above this share of its quota is warned: the next few fleets would break it (not for a stack that sheds
fleets to other stacks before a quota, StackCounts.splits)."""


@dataclass(frozen=True)
class Quota:
    code: str
    what: str
    limit: int
    source: str

    def count(self, counts: StackCounts) -> int | None:
        return {
            "resources": counts.resources,
            "outputs": counts.outputs,
            "parameters": counts.parameters,
            "dashboard widgets": counts.dashboard_widgets,
        }[self.what]


QUOTAS = (
    Quota("UF-QUOTA-001", "resources", MAX_RESOURCES, "CloudFormation allows 500 resources per stack"),
    Quota("UF-QUOTA-002", "outputs", MAX_OUTPUTS, "CloudFormation allows 200 outputs per stack"),
    Quota("UF-QUOTA-003", "parameters", MAX_PARAMETERS, "CloudFormation allows 200 parameters per stack"),
    Quota("UF-QUOTA-004", "dashboard widgets", MAX_DASHBOARD_WIDGETS, "CloudWatch allows 500 widgets per dashboard"),
)
NEAR_CODE = "UF-QUOTA-005"


def fleets_that_fit(spec: Spec, fleets: list[ResolvedFleet], quota: Quota, stack: str) -> int:
    """How many of the spec's first fleets keep the stack within the quota (every count grows with fleets)."""

    def count(first: int) -> int:
        counts = [c for c in predict(spec, fleets[:first]) if c.stack == stack]
        return (quota.count(counts[0]) or 0) if counts else 0

    low, high = 0, len(fleets)
    while low < high:
        middle = (low + high + 1) // 2
        if count(middle) <= quota.limit:
            low = middle
        else:
            high = middle - 1
    return low


def check(spec: Spec, fleets: list[ResolvedFleet], predicted: tuple[StackCounts, ...]) -> list[Finding]:
    """``predicted``: the plan's stack counts."""
    out: list[Finding] = []
    for counts in predicted:
        for quota in QUOTAS:
            count = quota.count(counts)
            if count is None:
                continue
            if count > quota.limit:
                fit = fleets_that_fit(spec, fleets, quota, counts.stack)
                out.append(
                    error(
                        quota.code,
                        "fleets",
                        f"{len(fleets)} fleets: stack {counts.stack} would hold {count} {quota.what}; "
                        f"{quota.source}. Split the spec into specs of at most {fit} fleets each "
                        "(docs/scale.md)",
                    )
                )
            elif count * 100 > quota.limit * WARN_PERCENT and not counts.splits:
                out.append(
                    warning(
                        NEAR_CODE,
                        "fleets",
                        f"{len(fleets)} fleets: stack {counts.stack} would hold {count} {quota.what}, over "
                        f"{WARN_PERCENT}% of the {quota.limit} allowed ({quota.source}); a few more fleets "
                        "will need a second spec (docs/scale.md)",
                    )
                )
    return out
