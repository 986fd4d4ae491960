"""AWS::CodePipeline::Pipeline through CloudFormation (moto 5.2.5 skips it): created through moto's CodePipeline
backend, which checks that the role trusts codepipeline.amazonaws.com and that there are at least two stages."""

from __future__ import annotations

from typing import Any

from moto.codepipeline.models import codepipeline_backends
from moto.core.common_models import CloudFormationModel

from ultrafleet.testing.moto_extensions.api_shape import camel_case


def api_shape(value: Any) -> Any:
    """An action's Configuration keeps its provider-specific spelling (ProjectName, ConnectionArn...)."""
    return camel_case(value, verbatim=frozenset({"Configuration"}))


class PipelineModel(CloudFormationModel):
    def __init__(self, name: str):
        self.name = name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodePipeline::Pipeline"

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
    ) -> PipelineModel:
        p = cloudformation_json["Properties"]
        fields = ("RoleArn", "ArtifactStore", "ArtifactStores", "Stages", "PipelineType", "ExecutionMode")
        pipeline = api_shape({k: p[k] for k in fields if k in p}) | {"name": resource_name}
        codepipeline_backends[account_id][region_name].create_pipeline(pipeline, api_shape(p.get("Tags")))
        return cls(resource_name)


def install() -> None:
    """Defining the class registers it; nothing else to patch."""
