"""AWS::KMS::Key tags: CloudFormation writes them as Key/Value, moto 5.2.5's model reads the KMS API's
TagKey/TagValue and fails with KeyError. Convert before moto's own model runs."""

from __future__ import annotations

from typing import Any

from moto.kms.models import Key

_original_create = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _create(
    cls: type[Key], resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
) -> Key:
    props = cloudformation_json.get("Properties", {})
    if "Tags" in props:
        props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props["Tags"]]
    return _original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


def install() -> None:
    Key.create_from_cloudformation_json = classmethod(_create)  # type: ignore[method-assign,assignment]
