"""Cost-allocation tags: the tag keys ultrafleet puts on every resource, and their activation in Billing.

A user-defined tag reaches Cost Explorer and AWS Budgets only once it is activated as a cost-allocation tag, an
account-level setting (not a CloudFormation resource) made with Cost Explorer's UpdateCostAllocationTagsStatus,
which needs ``ce:UpdateCostAllocationTagsStatus`` (in an organization, in its management account): AWS Billing
User Guide, "Activating user-defined cost allocation tags"; Cost Explorer API Reference.
"""

from __future__ import annotations

from typing import Any

from ultrafleet.spec.environments import ENVIRONMENT_TAG
from ultrafleet.spec.models import Spec

ULTRAFLEET_TAGS = ("ultrafleet:spec", ENVIRONMENT_TAG, "ultrafleet:fleet", "ultrafleet:role")
"""What the stacks tag: the spec (the budget filters on it), its environment, and each fleet's name and role."""
BATCH = 20
"""UpdateCostAllocationTagsStatus takes at most 20 tag keys per call (Cost Explorer API Reference)."""
CE_REGION = "us-east-1"
"""Cost Explorer's API has one endpoint, in us-east-1 (AWS General Reference, AWS Cost Explorer endpoints)."""


def tag_keys(spec: Spec) -> list[str]:
    """ultrafleet's own tag keys, then the spec's and its environments' tag keys, each once."""
    keys = list(ULTRAFLEET_TAGS) + list(spec.tags)
    for env in spec.environments.values():
        keys += list(env.tags)
    return list(dict.fromkeys(keys))


def activate(ce: Any, keys: list[str]) -> list[dict[str, str]]:
    """Activate every key (activating an active key changes nothing); the errors Cost Explorer reports per key."""
    errors: list[dict[str, str]] = []
    for start in range(0, len(keys), BATCH):
        entries = [{"TagKey": k, "Status": "Active"} for k in keys[start : start + BATCH]]
        errors += ce.update_cost_allocation_tags_status(CostAllocationTagsStatus=entries).get("Errors", [])
    return errors
