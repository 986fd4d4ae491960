"""FSx for Lustre in front of the checkpoint bucket, linked to its checkpoints/ prefix by a data repository
association with automatic import and export, so checkpoints written to Lustre land in S3 without a job.

Security groups (FSx for Lustre User Guide, "File system access control with Amazon VPC"): the file system's
group allows TCP 988 and 1018-1023 from itself and from the clients' group; the clients' group (put on the
fleets' interfaces) allows the same ports out to the file system.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_fsx as fsx
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ultrafleet.constructs.closed_egress import close_default_egress
from ultrafleet.planning.network_policy import LUSTRE_TCP_PORTS

LUSTRE_PORTS = tuple(ec2.Port.tcp(a) if a == b else ec2.Port.tcp_range(a, b) for a, b in LUSTRE_TCP_PORTS)
FS_PATH = "/checkpoints"
EVENTS = ["NEW", "CHANGED", "DELETED"]
FSX_S3_ROLE = "role/aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/AWSServiceRoleForFSxS3Access_*"


class LustreDeploymentType(StrEnum):
    PERSISTENT_2 = "PERSISTENT_2"
    SCRATCH_2 = "SCRATCH_2"


@dataclass(frozen=True, kw_only=True)
class LustreProps:
    """One checkpoint file system. Sizes and throughput arrive resolved (the plan's); nothing here defaults them."""

    vpc: ec2.IVpc
    """The VPC of ``subnet`` and of both security groups."""
    subnet: ec2.ISubnet
    """A private subnet in the training fleets' zone; the file system sits there."""
    key: kms.IKey
    """Encrypts PERSISTENT_2 data at rest (SCRATCH_2 is encrypted with an FSx-managed key); FSx's S3 role may use
    it through its resource policy."""
    bucket: s3.IBucket
    """The checkpoint bucket; the association links /checkpoints to s3://bucket/checkpoints/."""
    deployment_type: LustreDeploymentType
    storage_capacity_gib: int
    throughput_mb_s_per_tib: int | None
    """PerUnitStorageThroughput: required for PERSISTENT_2, None for SCRATCH_2 (its throughput is fixed)."""
    retain_on_delete: bool = True
    """default: the file system outlives its stack."""
    efa: bool = False
    """Serve clients over EFA (PERSISTENT_2 only, with a metadata configuration); default: TCP only."""


def _check(props: LustreProps) -> None:
    persistent = props.deployment_type is LustreDeploymentType.PERSISTENT_2
    if persistent and props.throughput_mb_s_per_tib is None:
        raise ValueError("throughput_mb_s_per_tib: required for PERSISTENT_2; pass the planned MB/s per TiB")
    if not persistent and props.throughput_mb_s_per_tib is not None:
        raise ValueError(
            f"throughput_mb_s_per_tib: {props.throughput_mb_s_per_tib} is not allowed for SCRATCH_2, whose "
            "throughput is fixed; pass None"
        )
    if props.efa and not persistent:
        raise ValueError("efa: True needs deployment_type PERSISTENT_2, not SCRATCH_2")


class LustreCheckpointFileSystem(Construct):
    """The file system, its security groups (``server_group``, ``client_group``) and the data repository
    association; ``dns_name`` and ``mount_name`` are what clients mount."""

    def __init__(self, scope: Construct, construct_id: str, *, props: LustreProps) -> None:
        super().__init__(scope, construct_id)
        _check(props)
        self.server_group, self.client_group = self._security_groups(props)
        self.file_system = self._file_system(props)
        self.association = self._link_bucket(props)
        self.dns_name = self.file_system.attr_dns_name
        self.mount_name = self.file_system.attr_lustre_mount_name

    def _security_groups(self, props: LustreProps) -> tuple[ec2.SecurityGroup, ec2.SecurityGroup]:
        # Every rule names a group, so all are separate resources: close EC2's default egress on both groups.
        server, client = (
            close_default_egress(
                ec2.SecurityGroup(self, name, vpc=props.vpc, allow_all_outbound=False, description=description)
            )
            for name, description in (
                ("ServerGroup", "FSx for Lustre: Lustre traffic from its clients"),
                ("ClientGroup", "FSx for Lustre clients: Lustre traffic to the servers"),
            )
        )
        if props.efa:
            # FSx for Lustre User Guide, "EFA-enabled security groups": all traffic within the group, in and out,
            # and with the clients' group
            server.add_ingress_rule(server, ec2.Port.all_traffic(), "EFA between servers")
            server.add_egress_rule(server, ec2.Port.all_traffic(), "EFA between servers")
            server.add_ingress_rule(client, ec2.Port.all_traffic(), "EFA from clients")
            server.add_egress_rule(client, ec2.Port.all_traffic(), "EFA to clients")
            client.add_ingress_rule(server, ec2.Port.all_traffic(), "EFA from servers")
            client.add_egress_rule(server, ec2.Port.all_traffic(), "EFA to servers")
        for port in LUSTRE_PORTS:
            server.add_ingress_rule(server, port, "Lustre between servers")
            server.add_egress_rule(server, port, "Lustre between servers")
            server.add_ingress_rule(client, port, "Lustre from clients")
            client.add_egress_rule(server, port, "Lustre to servers")
        return server, client

    def _file_system(self, props: LustreProps) -> fsx.CfnFileSystem:
        persistent = props.deployment_type is LustreDeploymentType.PERSISTENT_2
        file_system = fsx.CfnFileSystem(
            self,
            "FileSystem",
            file_system_type="LUSTRE",
            file_system_type_version="2.15",
            storage_type="SSD",
            storage_capacity=props.storage_capacity_gib,
            subnet_ids=[props.subnet.subnet_id],
            security_group_ids=[self.server_group.security_group_id],
            kms_key_id=props.key.key_id if persistent else None,
            lustre_configuration=fsx.CfnFileSystem.LustreConfigurationProperty(
                deployment_type=props.deployment_type.value,
                per_unit_storage_throughput=props.throughput_mb_s_per_tib,
                data_compression_type="LZ4",
                # EFA needs PERSISTENT_2 with a metadata configuration (FSx for Lustre User Guide, efa-file-systems)
                efa_enabled=True if props.efa else None,
                metadata_configuration=fsx.CfnFileSystem.MetadataConfigurationProperty(mode="AUTOMATIC")
                if props.efa
                else None,
            ),
        )
        file_system.apply_removal_policy(RemovalPolicy.RETAIN if props.retain_on_delete else RemovalPolicy.DESTROY)
        if not props.retain_on_delete:
            file_system.add_metadata(
                "ultrafleet",
                {
                    "acknowledged": {
                        "UF-R007": "storage.lustre.retain_on_delete is false: the spec asks for a disposable one"
                    }
                },
            )
        return file_system

    def _link_bucket(self, props: LustreProps) -> fsx.CfnDataRepositoryAssociation:
        """/checkpoints <-> s3://bucket/checkpoints/, and the key for FSx's service-linked role."""
        association = fsx.CfnDataRepositoryAssociation(
            self,
            "Association",
            file_system_id=self.file_system.ref,
            file_system_path=FS_PATH,
            data_repository_path=props.bucket.s3_url_for_object("checkpoints/"),
            batch_import_meta_data_on_create=True,
            s3=fsx.CfnDataRepositoryAssociation.S3Property(
                auto_import_policy=fsx.CfnDataRepositoryAssociation.AutoImportPolicyProperty(events=EVENTS),
                auto_export_policy=fsx.CfnDataRepositoryAssociation.AutoExportPolicyProperty(events=EVENTS),
            ),
        )
        # FSx reads and writes the KMS-encrypted bucket through its service-linked role.
        props.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="FsxDataRepositoryAccess",
                principals=[iam.AccountRootPrincipal()],
                actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey"],
                resources=["*"],
                conditions={
                    "ArnLike": {"aws:PrincipalArn": f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:{FSX_S3_ROLE}"}
                },
            )
        )
        return association
