"""AWS::CodePipeline::Pipeline through CloudFormation (moto 5.2.5 skips it): created through moto's CodePipeline
backend, which checks that the role trusts codepipeline.amazonaws.com and that there are at least two stages."""

from __future__ import annotations

from typing import Any

from moto.codepipeline.models import codepipeline_backends
from moto.core.common_models import CloudFormationModel

_FREE_FORM = "Configuration"
"""An action's provider-specific settings keep their own key spelling (ProjectName, ConnectionArn...)."""


def api_shape(value: Any) -> Any:
    """CloudFormation's PascalCase keys in the API's camelCase, except inside an action's Configuration."""
    if isinstance(value, list):
        return [api_shape(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {k[0].lower() + k[1:]: (v if k == _FREE_FORM else api_shape(v)) for k, v in value.items()}


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
