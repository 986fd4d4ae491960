"""The predicted stack counts in the plan (``stacks`` in --json), each beside its quota."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ultrafleet.planning.stack_counts import StackCounts
from ultrafleet.validation.stack_quotas import QUOTAS


def stack_counts_data(predicted: tuple[StackCounts, ...]) -> list[dict]:
    """Per predicted stack (the plan's ``stack_counts``): each count with its limit, e.g.
    {"resources": {"count": 24, "limit": 500}}."""
    out = []
    for counts in predicted:
        entry: dict = {"stack": counts.stack}
        for quota in QUOTAS:
            count = quota.count(counts)
            if count is not None:
                entry[quota.what.replace(" ", "_")] = {"count": count, "limit": quota.limit}
        out.append(entry)
    return out


def print_stack_counts(console: Console, data: list[dict]) -> None:
    table = Table(title="stack quotas (count / limit)")
    columns = [q.what.replace(" ", "_") for q in QUOTAS]
    table.add_column("stack")
    for column in columns:
        table.add_column(column.replace("_", " "))
    for entry in data:
        cells = [f"{entry[c]['count']} / {entry[c]['limit']}" if c in entry else "-" for c in columns]
        table.add_row(entry["stack"], *cells)
    console.print(table)
