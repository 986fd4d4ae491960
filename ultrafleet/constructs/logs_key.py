"""A customer-managed KMS key for CloudWatch Logs log groups.

AWS's "Encrypt log data in CloudWatch Logs using AWS Key Management Service" (CloudWatch Logs User Guide,
encrypt-log-data-kms.html): the key policy must let the regional service principal ``logs.<region>.amazonaws.com``
encrypt, decrypt, re-encrypt, generate data keys and describe the key, limited by the encryption context
``kms:EncryptionContext:aws:logs:arn`` to the log groups it serves. The page's action wildcards (kms:Encrypt*,
kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe*) are written out as the key actions they match,
so the only wildcard left is the default root statement.
"""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from ultrafleet.constructs.scanner_acks import KMS_ROOT_STATEMENT, acknowledge

LOGS_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
]


def logs_key(scope: Construct, construct_id: str, *, log_group_names: str, description: str) -> kms.Key:
    """A rotated, retained key that CloudWatch Logs may use for the log groups matching ``log_group_names`` (an
    ARN pattern after ``log-group:``, e.g. ``/ultrafleet/frontier/*``)."""
    key = kms.Key(
        scope, construct_id, enable_key_rotation=True, removal_policy=RemovalPolicy.RETAIN, description=description
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchLogsUse",
            principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
            actions=LOGS_ACTIONS,
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                    f"log-group:{log_group_names}"
                }
            },
        )
    )
    acknowledge(key.node.default_child, cfripper={"GenericResourceWildcardPolicyRule": KMS_ROOT_STATEMENT})
    return key
