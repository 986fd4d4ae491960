"""A training fleet's checkpoint policy held in its own fleet stack, for the fleets after the storage stack's
share (ultrafleet.planning.stack_counts.STORAGE_FLEET_POLICIES): the same document as CheckpointBucket.fleet_policy
(constructs.checkpoint_bucket.fleet_policy_document), reading the bucket's and the key's ARNs from two exports of
the storage stack with names fixed by convention (``<spec>-storage-CheckpointBucketArn``,
``<spec>-storage-CheckpointKeyArn``), however many fleets, instead of exporting one policy per fleet."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from aws_cdk import Acknowledgment, CfnOutput, Fn, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from ultrafleet.constructs.checkpoint_bucket import CHECKPOINT_PREFIX, fleet_policy_document
from ultrafleet.stacks.storage_stack import StorageStack


@dataclass(frozen=True)
class CheckpointExports:
    """The storage stack's two exports, as every fleet stack imports them."""

    bucket_export: str
    """The bucket ARN's export name, which cdk-nag shows in its findings."""
    bucket_arn: str
    """``Fn::ImportValue`` of the bucket's ARN (a token that resolves the same in any stack)."""
    key_arn: str
    """``Fn::ImportValue`` of the key's ARN."""


_EXPORTS: weakref.WeakKeyDictionary[StorageStack, CheckpointExports] = weakref.WeakKeyDictionary()


def checkpoint_exports(storage: StorageStack) -> CheckpointExports:
    """The exports, made by the first fleet that needs them and shared by the others: ten jsii requests a fleet
    fewer than exporting and importing for each."""
    if storage not in _EXPORTS:
        bucket_export, bucket_arn = _export(storage, storage.checkpoints.bucket.bucket_arn, "CheckpointBucketArn")
        _, key_arn = _export(storage, storage.key.key_arn, "CheckpointKeyArn")
        _EXPORTS[storage] = CheckpointExports(bucket_export=bucket_export, bucket_arn=bucket_arn, key_arn=key_arn)
    return _EXPORTS[storage]


def _export(storage: StorageStack, value: str, what: str) -> tuple[str, str]:
    """(the export's name, its Fn::ImportValue) for ``value``, exported by the storage stack."""
    name = f"{storage.stack_name}-{what}"
    CfnOutput(storage, what, value=value, export_name=name)
    return name, Fn.import_value(name)


def own_fleet_policy(scope: Construct, storage: StorageStack, fleet: str) -> iam.IManagedPolicy:
    """The policy, created in ``scope`` (the fleet stack, which deploys after the storage stack)."""
    exports = checkpoint_exports(storage)
    stack = scope if isinstance(scope, Stack) else Stack.of(scope)  # a fleet stack as is: Stack.of is a request
    stack.add_stack_dependency(storage)  # an Fn::ImportValue of a name makes no dependency itself
    policy = iam.CfnManagedPolicy(
        scope,
        "CheckpointPolicy",
        policy_document=fleet_policy_document(fleet, exports.bucket_arn, exports.key_arn),
        description=f"ultrafleet: {fleet} checkpoints",
    )
    Validations.of(policy).acknowledge(
        Acknowledgment(
            id=f"AwsSolutions::AwsSolutions-IAM5[Resource::{exports.bucket_export}/{CHECKPOINT_PREFIX}{fleet}/*]",
            reason=f"Object keys under {CHECKPOINT_PREFIX}{fleet}/ are the fleet's own checkpoints; the wildcard is "
            "the key suffix",
        )
    )
    return iam.ManagedPolicy.from_managed_policy_arn(scope, "CheckpointPolicyRef", policy.ref)
