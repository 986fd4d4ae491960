"""AWS::Budgets::Budget through CloudFormation (moto 5.2.5 has a Budgets API but no CloudFormation model): the
budget and its notifications go into moto's Budgets backend, so describe_budget and
describe_notifications_for_budget answer as AWS would after a deploy."""

from __future__ import annotations

from typing import Any

from moto.budgets.models import budgets_backends
from moto.core.common_models import CloudFormationModel
from moto.utilities.utils import get_partition


class BudgetModel(CloudFormationModel):
    def __init__(self, account_id: str, partition: str, name: str):
        self.account_id, self.partition, self.name = account_id, partition, name

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Budgets::Budget"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
        **kwargs: Any,
    ) -> BudgetModel:
        props = cloudformation_json["Properties"]
        budget = dict(props["Budget"])
        budget.setdefault("BudgetName", resource_name)
        # CloudFormation takes the limit as a number; the Budgets API (and moto's backend) as a string.
        budget["BudgetLimit"] = {**budget["BudgetLimit"], "Amount": str(budget["BudgetLimit"]["Amount"])}
        partition = get_partition(region_name)
        budgets_backends[account_id][partition].create_budget(
            account_id=account_id, budget=budget, notifications=props.get("NotificationsWithSubscribers", [])
        )
        return cls(account_id, partition, budget["BudgetName"])

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        name = cloudformation_json["Properties"]["Budget"].get("BudgetName", resource_name)
        budgets_backends[account_id][get_partition(region_name)].delete_budget(account_id, name)


def install() -> None:
    """Defining the class registers it; nothing else to patch."""
