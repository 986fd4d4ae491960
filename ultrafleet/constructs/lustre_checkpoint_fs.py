"""FSx for Lustre in front of the checkpoint bucket, linked to its checkpoints/ prefix by a data repository
association with automatic import and export, so checkpoints written to Lustre land in S3 without a job.

Security groups (FSx for Lustre User Guide, "File system access control with Amazon VPC"): the file system's
group allows TCP 988 and 1018-1023 from itself and from the clients' group; the clients' group (put on the
fleets' interfaces) allows the same ports out to the file system.
"""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_fsx as fsx
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ultrafleet.constructs.closed_egress import close_default_egress
from ultrafleet.planning.lustre import DEFAULT_PERSISTENT_2_MB_S_PER_TIB
from ultrafleet.planning.network_policy import LUSTRE_TCP_PORTS
from ultrafleet.spec.models import Lustre

LUSTRE_PORTS = tuple(ec2.Port.tcp(a) if a == b else ec2.Port.tcp_range(a, b) for a, b in LUSTRE_TCP_PORTS)
FS_PATH = "/checkpoints"
EVENTS = ["NEW", "CHANGED", "DELETED"]
FSX_S3_ROLE = "role/aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/AWSServiceRoleForFSxS3Access_*"


class LustreCheckpointFileSystem(Construct):
    """The file system, its security groups and the data repository association.

    :param vpc: the VPC; the file system sits in ``subnet``.
    :param subnet: a private subnet in the training fleets' zone.
    :param key: KMS key for PERSISTENT_2 data at rest (SCRATCH_2 is encrypted with an FSx-managed key).
    :param bucket: the checkpoint bucket; the association links /checkpoints to s3://bucket/checkpoints/.
    :param settings: deployment type, capacity, throughput, retention from the spec.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        subnet: ec2.ISubnet,
        key: kms.Key,
        bucket: s3.IBucket,
        settings: Lustre,
    ) -> None:
        super().__init__(scope, construct_id)
        # Every rule names a group, so all are separate resources: close EC2's default egress on both groups.
        self.server_group = close_default_egress(
            ec2.SecurityGroup(
                self,
                "ServerGroup",
                vpc=vpc,
                allow_all_outbound=False,
                description="FSx for Lustre: Lustre traffic from its clients",
            )
        )
        self.client_group = close_default_egress(
            ec2.SecurityGroup(
                self,
                "ClientGroup",
                vpc=vpc,
                allow_all_outbound=False,
                description="FSx for Lustre clients: Lustre traffic to the servers",
            )
        )
        if settings.efa:
            # FSx for Lustre User Guide, "EFA-enabled security groups": all traffic within the group, in and out,
            # and with the clients' group
            self.server_group.add_ingress_rule(self.server_group, ec2.Port.all_traffic(), "EFA between servers")
            self.server_group.add_egress_rule(self.server_group, ec2.Port.all_traffic(), "EFA between servers")
            self.server_group.add_ingress_rule(self.client_group, ec2.Port.all_traffic(), "EFA from clients")
            self.server_group.add_egress_rule(self.client_group, ec2.Port.all_traffic(), "EFA to clients")
            self.client_group.add_ingress_rule(self.server_group, ec2.Port.all_traffic(), "EFA from servers")
            self.client_group.add_egress_rule(self.server_group, ec2.Port.all_traffic(), "EFA to servers")
        for port in LUSTRE_PORTS:
            self.server_group.add_ingress_rule(self.server_group, port, "Lustre between servers")
            self.server_group.add_egress_rule(self.server_group, port, "Lustre between servers")
            self.server_group.add_ingress_rule(self.client_group, port, "Lustre from clients")
            self.client_group.add_egress_rule(self.server_group, port, "Lustre to servers")
        persistent = settings.deployment_type == "PERSISTENT_2"
        self.file_system = fsx.CfnFileSystem(
            self,
            "FileSystem",
            file_system_type="LUSTRE",
            file_system_type_version="2.15",
            storage_type="SSD",
            storage_capacity=settings.storage_capacity_gib,
            subnet_ids=[subnet.subnet_id],
            security_group_ids=[self.server_group.security_group_id],
            kms_key_id=key.key_id if persistent else None,
            lustre_configuration=fsx.CfnFileSystem.LustreConfigurationProperty(
                deployment_type=settings.deployment_type,
                per_unit_storage_throughput=(settings.throughput_mb_s_per_tib or DEFAULT_PERSISTENT_2_MB_S_PER_TIB)
                if persistent
                else None,
                data_compression_type="LZ4",
                # EFA needs PERSISTENT_2 with a metadata configuration (FSx for Lustre User Guide, efa-file-systems)
                efa_enabled=True if settings.efa else None,
                metadata_configuration=fsx.CfnFileSystem.MetadataConfigurationProperty(mode="AUTOMATIC")
                if settings.efa
                else None,
            ),
        )
        self.file_system.apply_removal_policy(
            RemovalPolicy.RETAIN if settings.retain_on_delete else RemovalPolicy.DESTROY
        )
        if not settings.retain_on_delete:
            self.file_system.add_metadata(
                "ultrafleet",
                {
                    "acknowledged": {
                        "UF-R007": "storage.lustre.retain_on_delete is false: the spec asks for a disposable one"
                    }
                },
            )
        self.association = fsx.CfnDataRepositoryAssociation(
            self,
            "Association",
            file_system_id=self.file_system.ref,
            file_system_path=FS_PATH,
            data_repository_path=bucket.s3_url_for_object("checkpoints/"),
            batch_import_meta_data_on_create=True,
            s3=fsx.CfnDataRepositoryAssociation.S3Property(
                auto_import_policy=fsx.CfnDataRepositoryAssociation.AutoImportPolicyProperty(events=EVENTS),
                auto_export_policy=fsx.CfnDataRepositoryAssociation.AutoExportPolicyProperty(events=EVENTS),
            ),
        )
        # FSx reads and writes the KMS-encrypted bucket through its service-linked role.
        key.add_to_resource_policy(
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
        self.dns_name = self.file_system.attr_dns_name
        self.mount_name = self.file_system.attr_lustre_mount_name
