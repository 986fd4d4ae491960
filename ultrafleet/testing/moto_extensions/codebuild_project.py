"""AWS::CodeBuild::Project through CloudFormation (moto 5.2.5 skips it): created through moto's CodeBuild backend,
so batch_get_projects returns the project with its buildspec, image and role."""

from __future__ import annotations

from typing import Any

from moto.codebuild.models import codebuild_backends
from moto.core.common_models import CloudFormationModel

from ultrafleet.testing.moto_extensions.api_shape import camel_case


def api_shape(value: Any) -> Any:
    """BuildSpec is `buildspec` in the CodeBuild API."""
    return camel_case(value, renames={"BuildSpec": "buildspec"})


class ProjectModel(CloudFormationModel):
    def __init__(self, name: str, arn: str):
        self.name, self.arn = name, arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeBuild::Project"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self.arn

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,  # type: ignore[misc]
        region_name: str,
        **kwargs: Any,
    ) -> ProjectModel:
        p = cloudformation_json["Properties"]
        project = codebuild_backends[account_id][region_name].create_project(
            project_name=resource_name,
            description=p.get("Description"),
            project_source=api_shape(p["Source"]),
            artifacts=api_shape(p["Artifacts"]),
            environment=api_shape(p["Environment"]),
            service_role=p["ServiceRole"],
            tags=api_shape(p.get("Tags")),
            cache=api_shape(p.get("Cache")),
            timeout=p.get("TimeoutInMinutes"),
            queued_timeout=p.get("QueuedTimeoutInMinutes"),
            source_version=p.get("SourceVersion"),
            logs_config=api_shape(p.get("LogsConfig")),
            vpc_config=api_shape(p.get("VpcConfig")),
        )
        return cls(resource_name, project["arn"])


def install() -> None:
    """Defining the class registers it; nothing else to patch."""
