"""EC2 placement groups: CreatePlacementGroup / DescribePlacementGroups / DeletePlacementGroup through the EC2 API,
and AWS::EC2::PlacementGroup through CloudFormation (moto 5.2.5 has neither)."""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends
from moto.ec2.responses import EC2Response
from moto.moto_api._internal import mock_random


def groups(account_id: str, region: str) -> dict[str, dict[str, Any]]:
    """The placement groups of one account and region; lives on moto's EC2 backend, so moto's reset clears it."""
    return ec2_backends[account_id][region].__dict__.setdefault("ultrafleet_placement_groups", {})


def create(
    account_id: str,
    region: str,
    name: str | None,
    strategy: str,
    partition_count: int | None,
    tags: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    group_id = f"pg-{mock_random.get_random_hex(17)}"
    name = name or f"pg-{mock_random.get_random_hex(8)}"
    group = {
        "GroupName": name,
        "GroupId": group_id,
        "Strategy": strategy,
        "State": "available",
        "GroupArn": f"arn:aws:ec2:{region}:{account_id}:placement-group/{name}",
        "Tags": tags or [],
    }
    if partition_count:
        group["PartitionCount"] = int(partition_count)
    groups(account_id, region)[name] = group
    return group


class PlacementGroupModel(CloudFormationModel):
    def __init__(self, group: dict[str, Any], account_id: str, region: str):
        self.group, self.account_id, self.region = group, account_id, region

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::PlacementGroup"

    @property
    def physical_resource_id(self) -> str:
        return self.group["GroupName"]

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "GroupName"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self.group["GroupName"]

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
        **kwargs: Any,
    ) -> PlacementGroupModel:
        props = cloudformation_json["Properties"]
        group = create(
            account_id,
            region_name,
            None,
            props.get("Strategy", "cluster"),
            props.get("PartitionCount"),
            props.get("Tags"),
        )
        return cls(group, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
    ) -> None:
        groups(account_id, region_name).pop(resource_name, None)


def _create_placement_group(self: EC2Response) -> ActionResult:
    group = create(
        self.current_account,
        self.region,
        self._get_param("GroupName"),
        self._get_param("Strategy"),
        self._get_param("PartitionCount"),
    )
    return ActionResult({"PlacementGroup": group})


def _describe_placement_groups(self: EC2Response) -> ActionResult:
    names = self._get_param("GroupNames", []) or []
    found = [g for n, g in groups(self.current_account, self.region).items() if not names or n in names]
    return ActionResult({"PlacementGroups": found})


def _delete_placement_group(self: EC2Response) -> ActionResult:
    groups(self.current_account, self.region).pop(self._get_param("GroupName"), None)
    return ActionResult({})


def install() -> None:
    EC2Response.create_placement_group = _create_placement_group  # type: ignore[attr-defined]
    EC2Response.describe_placement_groups = _describe_placement_groups  # type: ignore[attr-defined]
    EC2Response.delete_placement_group = _delete_placement_group  # type: ignore[attr-defined]
