"""The governance stack: the spec's monthly AWS Budget, filtered by its ``ultrafleet:spec`` cost-allocation tag.

A stack of its own (``<spec>-governance``), not part of observability: the budget watches the whole spec, must
exist before the first fleet spends, and must outlive fleet teardowns; it depends on no other stack, and a spec
without a budget keeps every other template unchanged.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_budgets as budgets
from constructs import Construct

from ultrafleet.spec.models import Budget
from ultrafleet.validation.governance import TOPIC_ARN

SPEC_TAG = "ultrafleet:spec"
FORECASTED_PERCENT = 100
"""Besides the actual-cost thresholds, one alert when the month's forecast exceeds the limit (a notification's
NotificationType is ACTUAL or FORECASTED: Budgets API Reference, Notification)."""


def tag_filter(spec_name: str) -> dict[str, list[str]]:
    """Budgets' legacy CostFilters for one user-defined tag value: ``TagKeyValue: ["user:<key>$<value>"]`` (AWS CLI
    Command Reference, budgets create-budget, "To create a Cost and Usage budget")."""
    return {"TagKeyValue": [f"user:{SPEC_TAG}${spec_name}"]}


class GovernanceStack(Stack):
    """:param spec_name: the value of the ``ultrafleet:spec`` tag the budget filters on.
    :param budget: the spec's ``governance.budget``."""

    def __init__(self, scope: Construct, construct_id: str, *, spec_name: str, budget: Budget, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        subscribers = [
            budgets.CfnBudget.SubscriberProperty(
                subscription_type="SNS" if TOPIC_ARN.fullmatch(address) else "EMAIL", address=address
            )
            for address in budget.notify
        ]
        alerts = [("ACTUAL", t) for t in budget.thresholds_percent] + [("FORECASTED", FORECASTED_PERCENT)]
        self.budget = budgets.CfnBudget(
            self,
            "MonthlyBudget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=f"ultrafleet-{spec_name}",
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=budget.monthly_usd, unit="USD"),
                cost_filters=tag_filter(spec_name),
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        notification_type=kind,
                        comparison_operator="GREATER_THAN",
                        threshold=threshold,
                        threshold_type="PERCENTAGE",
                    ),
                    subscribers=subscribers,
                )
                for kind, threshold in alerts
            ],
        )
