"""Routes one Application Load Balancer listener rule can hold.

Sources: Elastic Load Balancing, "Quotas for your Application Load Balancers", Rules
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html): 5 condition values
per rule, 5 condition wildcards per rule; "Listener rules for your Application Load Balancer", condition types
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html): a path pattern is
up to 128 characters of A-Z a-z 0-9 ``_ - . $ / ~ " ' @ : + & * ?``; an HTTP header name up to 40 characters, each
header value up to 128.
"""

from __future__ import annotations

import re

from ultrafleet.findings import Finding, error, excerpt
from ultrafleet.planning.fleets import ResolvedFleet

MAX_CONDITION_VALUES = 5
MAX_WILDCARDS = 5
MAX_PATH_PATTERN_CHARS = 128
MAX_HEADER_NAME_CHARS = 40
MAX_HEADER_VALUE_CHARS = 128
_PATH_CHARS = re.compile(r"[A-Za-z0-9_\-.$/~\"'@:+&*?]+")
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~]+")
"""An HTTP field name is a token (RFC 9110, section 5.1)."""


def check(fleet: ResolvedFleet) -> list[Finding]:
    route = fleet.spec.inference.route if fleet.spec.inference else None
    if route is None:
        return []
    path = f"{fleet.path}.inference.route"
    out: list[Finding] = []
    for i, pattern in enumerate(route.path_patterns):
        if not 1 <= len(pattern) <= MAX_PATH_PATTERN_CHARS or not _PATH_CHARS.fullmatch(pattern):
            out.append(
                error(
                    "UF-INF-012",
                    f"{path}.path_patterns[{i}]",
                    f"{excerpt(pattern)}: a path pattern is 1 to {MAX_PATH_PATTERN_CHARS} characters of A-Z a-z 0-9 "
                    "_ - . $ / ~ \" ' @ : + & * ?; shorten it or drop the other characters",
                )
            )
    if route.header_name is not None and (
        len(route.header_name) > MAX_HEADER_NAME_CHARS or not _HEADER_NAME.fullmatch(route.header_name)
    ):
        out.append(
            error(
                "UF-INF-012",
                f"{path}.header_name",
                f"{excerpt(route.header_name)}: an HTTP header name is 1 to {MAX_HEADER_NAME_CHARS} token characters "
                "(letters, digits, ! # $ % & ' * + - . ^ _ ` | ~); use the header's real name",
            )
        )
    for i, value in enumerate(route.header_values):
        if not 1 <= len(value) <= MAX_HEADER_VALUE_CHARS:
            out.append(
                error(
                    "UF-INF-012",
                    f"{path}.header_values[{i}]",
                    f"{excerpt(value)}: a header value is 1 to {MAX_HEADER_VALUE_CHARS} characters; shorten it",
                )
            )
    values = [*route.path_patterns, *route.header_values]
    if len(values) > MAX_CONDITION_VALUES:
        out.append(
            error(
                "UF-INF-013",
                path,
                f"{len(route.path_patterns)} path patterns and {len(route.header_values)} header values: one listener "
                f"rule takes at most {MAX_CONDITION_VALUES} condition values; route fewer (a wildcard such as /v1/* "
                "covers many paths)",
            )
        )
    wildcards = sum(v.count("*") + v.count("?") for v in values)
    if wildcards > MAX_WILDCARDS:
        out.append(
            error(
                "UF-INF-013",
                path,
                f"{wildcards} wildcards: one listener rule takes at most {MAX_WILDCARDS} (* and ?); use fewer",
            )
        )
    return out
