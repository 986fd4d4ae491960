"""The storage stack: checkpoint KMS key, checkpoint bucket (+ access logs), and FSx for Lustre when asked.

Everything stateful lives here, retained on deletion, so fleets can come and go without touching it.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from ultrafleet.constructs.checkpoint_bucket import CheckpointBucket
from ultrafleet.constructs.express_checkpoint_bucket import ExpressCheckpointBucket
from ultrafleet.constructs.lustre_checkpoint_fs import LustreCheckpointFileSystem
from ultrafleet.constructs.scanner_acks import KMS_ROOT_STATEMENT, acknowledge
from ultrafleet.planning.network import COMPUTE_SUBNET_GROUP
from ultrafleet.planning.zone_ids import context_key
from ultrafleet.spec.models import Storage
from ultrafleet.stacks import construct_props


class StorageStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        storage: Storage,
        vpc: ec2.IVpc,
        lustre_zone: str | None,
        subnet_group_name: str = COMPUTE_SUBNET_GROUP,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.key = kms.Key(
            self,
            "CheckpointKey",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
            description="ultrafleet: encrypts checkpoints at rest",
        )
        acknowledge(self.key.node.default_child, cfripper={"GenericResourceWildcardPolicyRule": KMS_ROOT_STATEMENT})
        self.checkpoints = CheckpointBucket(
            self, "Checkpoints", props=construct_props.checkpoint_bucket(storage.checkpoint_bucket, self.key)
        )
        self.checkpoint_bucket_name = self.checkpoints.bucket.bucket_name
        """Read once for every fleet's boot script (a jsii round trip each time)."""
        self.express: ExpressCheckpointBucket | None = None
        self.lustre: LustreCheckpointFileSystem | None = None
        if storage.express_bucket and lustre_zone:
            zone_ids = self.node.try_get_context(context_key(self.account, self.region)) or {}
            self.express = ExpressCheckpointBucket(
                self,
                "Express",
                props=construct_props.express_bucket(storage.express_bucket, zone_ids[lustre_zone], self.key),
            )
        if storage.lustre and lustre_zone:
            subnet = vpc.select_subnets(subnet_group_name=subnet_group_name, availability_zones=[lustre_zone]).subnets[
                0
            ]
            self.lustre = LustreCheckpointFileSystem(
                self,
                "Lustre",
                props=construct_props.lustre(
                    storage.lustre, vpc=vpc, subnet=subnet, key=self.key, bucket=self.checkpoints.bucket
                ),
            )
