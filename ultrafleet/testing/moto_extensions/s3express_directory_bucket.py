"""AWS::S3Express::DirectoryBucket through CloudFormation (moto 5.2.5 has no model): the bucket's properties are
kept per account and region, with the name CloudFormation generates in AWS's ``base--zone-id--x-s3`` form."""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random

_BUCKETS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}


def directory_buckets(account_id: str, region: str) -> dict[str, dict[str, Any]]:
    """Directory buckets created through CloudFormation: {bucket name: properties}."""
    return _BUCKETS.setdefault((account_id, region), {})


class DirectoryBucketModel(CloudFormationModel):
    def __init__(self, name: str, arn: str, zone_name: str):
        self.name, self.arn, self.zone_name = name, arn, zone_name

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3Express::DirectoryBucket"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "AvailabilityZoneName")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return {"Arn": self.arn, "AvailabilityZoneName": self.zone_name}[attribute_name]

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
        **kwargs: Any,
    ) -> DirectoryBucketModel:
        props = cloudformation_json["Properties"]
        zone_id = props["LocationName"]
        name = props.get("BucketName") or (
            f"{resource_name.lower()[:30]}-{mock_random.get_random_string(length=8, lower_case=True)}--{zone_id}--x-s3"
        )
        if not name.endswith(f"--{zone_id}--x-s3"):
            raise ValueError(f"directory bucket name {name} must end with --{zone_id}--x-s3")
        directory_buckets(account_id, region_name)[name] = props
        arn = f"arn:aws:s3express:{region_name}:{account_id}:bucket/{name}"
        return cls(name, arn, props.get("AvailabilityZoneName", ""))


def install() -> None:
    """Defining the class registers it; nothing else to patch."""
