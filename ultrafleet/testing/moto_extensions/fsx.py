"""FSx from CloudFormation: AWS::FSx::FileSystem on moto's FSx backend (with the Lustre mount name AWS generates),
and AWS::FSx::DataRepositoryAssociation with DescribeDataRepositoryAssociations (moto 5.2.5 has neither)."""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.fsx.models import FileSystem, fsx_backends
from moto.fsx.responses import FSxResponse
from moto.moto_api._internal import mock_random


def associations(account_id: str, region: str) -> dict[str, dict[str, Any]]:
    """Data repository associations of one account and region, kept on moto's FSx backend (reset with it)."""
    return fsx_backends[account_id][region].__dict__.setdefault("ultrafleet_associations", {})


class FileSystemModel(CloudFormationModel):
    def __init__(self, file_system: FileSystem):
        self.file_system = file_system

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::FSx::FileSystem"

    @property
    def physical_resource_id(self) -> str:
        return self.file_system.file_system_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("DNSName", "LustreMountName", "ResourceARN")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return {
            "DNSName": self.file_system.dns_name,
            "ResourceARN": self.file_system.resource_arn,
            "LustreMountName": (self.file_system.lustre_configuration or {}).get("MountName", ""),
        }[attribute_name]

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
        **kwargs: Any,
    ) -> FileSystemModel:
        p = cloudformation_json["Properties"]
        lustre = dict(p.get("LustreConfiguration") or {})
        if p["FileSystemType"] == "LUSTRE":
            lustre["MountName"] = mock_random.get_random_string(length=8, lower_case=True)
        fs = fsx_backends[account_id][region_name].create_file_system(
            client_request_token=resource_name,
            file_system_type=p["FileSystemType"],
            storage_capacity=p.get("StorageCapacity"),
            storage_type=p.get("StorageType", "SSD"),
            subnet_ids=p["SubnetIds"],
            security_group_ids=p.get("SecurityGroupIds", []),
            tags=p.get("Tags"),
            kms_key_id=p.get("KmsKeyId"),
            windows_configuration=None,
            lustre_configuration=lustre or None,
            ontap_configuration=None,
            file_system_type_version=p.get("FileSystemTypeVersion"),
            open_zfs_configuration=None,
        )
        return cls(fs)


class DataRepositoryAssociationModel(CloudFormationModel):
    def __init__(self, association: dict[str, Any]):
        self.association = association

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::FSx::DataRepositoryAssociation"

    @property
    def physical_resource_id(self) -> str:
        return self.association["AssociationId"]

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
        **kwargs: Any,
    ) -> DataRepositoryAssociationModel:
        p = cloudformation_json["Properties"]
        if p["FileSystemId"] not in fsx_backends[account_id][region_name].file_systems:
            raise ValueError(f"DataRepositoryAssociation: no file system {p['FileSystemId']}")
        association = {
            "AssociationId": f"dra-{mock_random.get_random_hex(17)}",
            "Lifecycle": "AVAILABLE",
            "FileSystemId": p["FileSystemId"],
            "FileSystemPath": p["FileSystemPath"],
            "DataRepositoryPath": p["DataRepositoryPath"],
            "BatchImportMetaDataOnCreate": p.get("BatchImportMetaDataOnCreate", False),
            "S3": p.get("S3", {}),
        }
        associations(account_id, region_name)[association["AssociationId"]] = association
        return cls(association)


def _describe_data_repository_associations(self: FSxResponse) -> str:
    ids = json.loads(self.body or "{}").get("AssociationIds") or []
    found = [a for i, a in associations(self.current_account, self.region).items() if not ids or i in ids]
    return json.dumps({"Associations": found})


def install() -> None:
    FSxResponse.describe_data_repository_associations = _describe_data_repository_associations  # type: ignore[attr-defined]
