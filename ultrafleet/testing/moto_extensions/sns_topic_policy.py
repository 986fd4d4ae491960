"""AWS::SNS::TopicPolicy through CloudFormation (moto 5.2.5 has no model), set on each topic through moto's SNS
backend so get_topic_attributes returns the policy."""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.sns.models import sns_backends


class TopicPolicyModel(CloudFormationModel):
    def __init__(self, topics: list[str]):
        self.topics = topics

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    @property
    def physical_resource_id(self) -> str:
        return f"{self.topics[0]}-policy"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
        **kwargs: Any,
    ) -> TopicPolicyModel:
        props = cloudformation_json["Properties"]
        backend = sns_backends[account_id][region_name]
        for topic_arn in props["Topics"]:
            backend.set_topic_attribute(topic_arn, "Policy", json.dumps(props["PolicyDocument"]))
        return cls(props["Topics"])


def install() -> None:
    """Defining the class registers it; nothing else to patch."""
