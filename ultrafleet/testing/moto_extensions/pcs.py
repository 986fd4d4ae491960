"""AWS::PCS::ComputeNodeGroup and AWS::PCS::Queue through CloudFormation (moto 5.2.5 has no PCS at all): kept on
a registry per account and region, with the ids and ARNs PCS would return, so tests read what was deployed."""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends
from moto.moto_api._internal import mock_random


def registry(account_id: str, region: str) -> dict[str, dict[str, dict[str, Any]]]:
    """{"compute_node_groups" | "queues": {id: properties}}; lives on moto's EC2 backend, so moto's reset clears
    it."""
    backend = ec2_backends[account_id][region]
    return backend.__dict__.setdefault("ultrafleet_pcs", {"compute_node_groups": {}, "queues": {}})


class _PcsResource:
    """What both PCS models share; each model derives from CloudFormationModel directly, since moto finds models
    through CloudFormationModel.__subclasses__()."""

    kind = ""
    arn_kind = ""

    def __init__(self, resource_id: str, arn: str):
        self.id, self.arn = resource_id, arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @property
    def physical_resource_id(self) -> str:
        """Ref of the PCS resources: the ARN (their primaryIdentifier)."""
        return self.arn

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "Id", "Status")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return {"Arn": self.arn, "Id": self.id, "Status": "ACTIVE"}[attribute_name]

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
        **kwargs: Any,
    ) -> _PcsResource:
        props = dict(cloudformation_json["Properties"])
        resource_id = f"pcs_{mock_random.get_random_hex(10)}"
        cluster = props["ClusterId"]
        arn = f"arn:aws:pcs:{region_name}:{account_id}:cluster/{cluster}/{cls.arn_kind}/{resource_id}"
        registry(account_id, region_name)[cls.kind][resource_id] = {**props, "Id": resource_id, "Arn": arn}
        return cls(resource_id, arn)


class ComputeNodeGroupModel(_PcsResource, CloudFormationModel):
    kind, arn_kind = "compute_node_groups", "computenodegroup"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::PCS::ComputeNodeGroup"


class QueueModel(_PcsResource, CloudFormationModel):
    kind, arn_kind = "queues", "queue"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::PCS::Queue"


def install() -> None:
    """Defining the classes registers them; nothing else to patch."""
