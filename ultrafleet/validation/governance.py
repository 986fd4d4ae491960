"""Governance: a permissions boundary that is an IAM managed policy, a role-name prefix that keeps every role
name ultrafleet creates within IAM's limits, and a budget AWS Budgets accepts."""

from __future__ import annotations

import re

from ultrafleet.findings import Finding, error
from ultrafleet.spec.models import Budget, Spec

POLICY_ARN = re.compile(r"arn:aws(-[a-z]+)*:iam::(\d{12}|aws):policy/([\w+=,.@-]+/)*[\w+=,.@-]{1,128}")
"""IAM managed policy ARNs, ``arn:<partition>:iam::<account or aws>:policy/<path><name>`` (IAM User Guide,
reference_identifiers.html, "IAM ARNs"; policy names use ``[\\w+=,.@-]``, at most 128 characters, IAM API
Reference CreatePolicy)."""
ROLE_NAME_CHARACTERS = re.compile(r"[\w+=,.@-]*")
"""Characters IAM allows in a role name (IAM API Reference, CreateRole, RoleName pattern ``[\\w+=,.@-]+``)."""
ROLE_NAME_MAX = 64
"""IAM role names are at most 64 characters (IAM User Guide, reference_iam-quotas.html, "IAM name and ID
quotas")."""
ROLE_NAME_SUFFIX = 9
"""The ``-<8 hex>`` digest that keeps generated role names unique (ultrafleet.constructs.landing_zone)."""
THRESHOLD_MIN, THRESHOLD_MAX = 0.1, 1_000_000_000
"""AWS::Budgets::Budget Notification.Threshold bounds (CloudFormation resource schema, as cfn-lint ships it)."""
MAX_EMAILS, MAX_TOPICS = 10, 1
"""Subscribers per budget notification: one SNS topic and up to 10 e-mail addresses (CloudFormation,
AWS::Budgets::Budget NotificationWithSubscribers; Budgets API Reference, NotificationWithSubscribers)."""
MAX_NOTIFICATIONS = 5
"""A budget has at most five notifications (CloudFormation, AWS::Budgets::Budget NotificationsWithSubscribers);
ultrafleet adds one forecasted alert to the spec's thresholds."""
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TOPIC_ARN = re.compile(r"arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}")


def max_prefix_length(spec_name: str) -> int:
    """The longest prefix that still leaves every role name ``<spec>-`` plus its digest within 64 characters."""
    return ROLE_NAME_MAX - len(spec_name) - 1 - ROLE_NAME_SUFFIX


def check(spec: Spec) -> list[Finding]:
    gov = spec.governance
    if gov is None:
        return []
    out: list[Finding] = []
    arn = gov.permissions_boundary_arn
    if arn is not None and not POLICY_ARN.fullmatch(arn):
        out.append(
            error(
                "UF-GOV-001",
                "governance.permissions_boundary_arn",
                f"'{arn}' is not an IAM managed policy ARN; use arn:<partition>:iam::<account>:policy/<name> "
                "(the landing zone's boundary policy, e.g. arn:aws:iam::123456789012:policy/LandingZoneBoundary)",
            )
        )
    prefix = gov.role_name_prefix
    if prefix is not None:
        longest = max_prefix_length(spec.name)
        if not prefix:
            out.append(
                error(
                    "UF-GOV-002",
                    "governance.role_name_prefix",
                    "'' is empty; leave role_name_prefix out for generated names, or give the landing zone's prefix",
                )
            )
        elif not ROLE_NAME_CHARACTERS.fullmatch(prefix):
            out.append(
                error(
                    "UF-GOV-002",
                    "governance.role_name_prefix",
                    f"'{prefix}' has characters IAM role names cannot hold; use letters, digits and + = , . @ _ -",
                )
            )
        elif len(prefix) > longest:
            out.append(
                error(
                    "UF-GOV-003",
                    "governance.role_name_prefix",
                    f"'{prefix}' is {len(prefix)} characters: with '{spec.name}-' and the 8-character digest "
                    f"a role name would exceed IAM's {ROLE_NAME_MAX}; use a prefix of at most {longest} characters",
                )
            )
    if gov.budget:
        out += _budget(gov.budget)
    return out


def _budget(budget: Budget) -> list[Finding]:
    path = "governance.budget"
    out = []
    if budget.monthly_usd <= 0:
        out.append(
            error(
                "UF-GOV-004",
                f"{path}.monthly_usd",
                f"{budget.monthly_usd:g} is not a budget; give the monthly limit in US dollars, more than 0",
            )
        )
    emails = [a for a in budget.notify if EMAIL.fullmatch(a)]
    topics = [a for a in budget.notify if TOPIC_ARN.fullmatch(a)]
    for i, address in enumerate(budget.notify):
        if address not in emails and address not in topics:
            out.append(
                error(
                    "UF-GOV-005",
                    f"{path}.notify[{i}]",
                    f"'{address}' is neither an e-mail address nor an SNS topic ARN; use one of them",
                )
            )
    if len(emails) > MAX_EMAILS or len(topics) > MAX_TOPICS:
        out.append(
            error(
                "UF-GOV-006",
                f"{path}.notify",
                f"{len(emails)} e-mail addresses and {len(topics)} SNS topics: a budget alert reaches at most "
                f"{MAX_EMAILS} addresses and {MAX_TOPICS} topic; send to an SNS topic that fans out",
            )
        )
    if len(budget.thresholds_percent) + 1 > MAX_NOTIFICATIONS:
        out.append(
            error(
                "UF-GOV-008",
                f"{path}.thresholds_percent",
                f"{len(budget.thresholds_percent)} thresholds and the forecasted alert make "
                f"{len(budget.thresholds_percent) + 1} notifications; a budget holds at most {MAX_NOTIFICATIONS}: "
                f"keep {MAX_NOTIFICATIONS - 1} thresholds",
            )
        )
    for i, value in enumerate(budget.thresholds_percent):
        if not THRESHOLD_MIN <= value <= THRESHOLD_MAX or value in budget.thresholds_percent[:i]:
            out.append(
                error(
                    "UF-GOV-007",
                    f"{path}.thresholds_percent[{i}]",
                    f"{value:g} is not allowed; use distinct percentages from {THRESHOLD_MIN} to {THRESHOLD_MAX:,}",
                )
            )
    return out
