"""Extensions to moto (pinned 5.2.5) for what ultrafleet's stacks need and moto lacks, without forking it.

Each module adds CloudFormation models (subclasses of moto's CloudFormationModel) or API actions, or fills in
properties moto's own models drop. moto finds CloudFormation models through ``lru_cache``d functions over
``CloudFormationModel.__subclasses__()``, so ``install`` clears those caches after the new models exist.
Every extension has a guard test (tests/test_moto_extensions.py) that fails the day moto changes beneath it.
"""

from __future__ import annotations

from importlib import import_module

from moto.cloudformation import parsing

EXTENSIONS = (
    "autoscaling",
    "cloudwatch_alarm",
    "codebuild_project",
    "codepipeline_pipeline",
    "elbv2",
    "fsx",
    "iam_role",
    "kms",
    "placement_groups",
    "s3_bucket",
    "s3express_directory_bucket",
    "scaling_policy",
    "security_group_egress",
    "sns_topic_policy",
    "update_parameters",
    "warm_pool",
    "zones",
    "eks_nodegroup",
    "pcs",
)
"""One module per gap in moto, each with an ``install()``."""
MODULES = tuple(import_module(f"{__name__}.{name}") for name in EXTENSIONS)
_installed = False


def install() -> None:
    """Apply every extension once (idempotent) and make moto's CloudFormation see the new models."""
    global _installed
    if not _installed:
        for module in MODULES:
            module.install()
        _installed = True
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
