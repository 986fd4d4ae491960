"""A training fleet's checkpoint policy held in its own fleet stack, for the fleets after the storage stack's
share (ultrafleet.planning.stack_counts.STORAGE_FLEET_POLICIES): the same document as CheckpointBucket.fleet_policy
(constructs.checkpoint_bucket.fleet_policy_document), reading the bucket's and the key's ARNs from two exports of
the storage stack with names fixed by convention (``<spec>-storage-CheckpointBucketArn``,
``<spec>-storage-CheckpointKeyArn``), however many fleets, instead of exporting one policy per fleet."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnOutput, Fn, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from ultrafleet.constructs.checkpoint_bucket import CHECKPOINT_PREFIX, fleet_policy_document
from ultrafleet.stacks.storage_stack import StorageStack


def exported(storage: StorageStack, value: str, what: str) -> tuple[str, str]:
    """(the export's name, its Fn::ImportValue) for ``value``, exported once by the storage stack."""
    name = f"{storage.stack_name}-{what}"
    if storage.node.try_find_child(what) is None:
        CfnOutput(storage, what, value=value, export_name=name)
    return name, Fn.import_value(name)


def own_fleet_policy(scope: Construct, storage: StorageStack, fleet: str) -> iam.IManagedPolicy:
    """The policy, created in ``scope`` (the fleet stack, which deploys after the storage stack)."""
    bucket_export, bucket_arn = exported(storage, storage.checkpoints.bucket.bucket_arn, "CheckpointBucketArn")
    _, key_arn = exported(storage, storage.key.key_arn, "CheckpointKeyArn")
    Stack.of(scope).add_stack_dependency(storage)  # an Fn::ImportValue of a name makes no dependency itself
    policy = iam.CfnManagedPolicy(
        scope,
        "CheckpointPolicy",
        policy_document=fleet_policy_document(fleet, bucket_arn, key_arn),
        description=f"ultrafleet: {fleet} checkpoints",
    )
    Validations.of(policy).acknowledge(
        Acknowledgment(
            id=f"AwsSolutions::AwsSolutions-IAM5[Resource::{bucket_export}/{CHECKPOINT_PREFIX}{fleet}/*]",
            reason=f"Object keys under {CHECKPOINT_PREFIX}{fleet}/ are the fleet's own checkpoints; the wildcard is "
            "the key suffix",
        )
    )
    return iam.ManagedPolicy.from_managed_policy_arn(scope, "CheckpointPolicyRef", policy.ref)
