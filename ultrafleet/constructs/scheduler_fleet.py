"""A fleet whose nodes a scheduler owns: an EKS managed node group or an AWS PCS compute node group on ultrafleet's
EFA launch template. No ultrafleet Auto Scaling group: the scheduler creates and repairs its own.

The launch template differs from AcceleratedFleet's only where the scheduler requires it (docs/schedulers.md):
no IamInstanceProfile (EKS and PCS take the role from the node group and refuse or replace a profile in the
template), no ImageId (EKS picks the EKS-optimized AMI from AmiType; PCS takes the AMI from the node group), the
placement group and reservation target in the template (no Auto Scaling group of ours to carry them), the
cluster's security group on every interface, and MIME multi-part user data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_pcs as pcs
from constructs import Construct

from ultrafleet.constructs.fleet_health import NodeHealthProps
from ultrafleet.constructs.fleet_nodes import (
    MANAGED_POLICIES,
    FleetNodes,
    NodeProps,
    UserDataHook,
    boot_script,
)
from ultrafleet.constructs.scanner_acks import (
    PCS_REGISTER_INSTANCE,
    acknowledge_default_policy,
    ec2_describe_on_any,
)
from ultrafleet.constructs.scheduler_user_data import eks_user_data, pcs_user_data
from ultrafleet.constructs.user_data import fill
from ultrafleet.templates import render

EKS_NODE_POLICIES = {
    "AmazonEKSWorkerNodePolicy": "the kubelet's EKS API access, required of every EKS node role",
    "AmazonEC2ContainerRegistryPullOnly": "pulling the EKS add-on and pause images from ECR",
    "AmazonEKS_CNI_Policy": "the VPC CNI's interface and address calls (unless the cluster gives it its own role)",
}
"""EKS User Guide, "Amazon EKS node IAM role"."""
PCS_ROLE_PATH = "/aws-pcs/"
"""PCS accepts a node role whose name starts with AWSPCS or whose path is /aws-pcs/ (AWS PCS User Guide, "IAM
instance profiles for AWS PCS"); a path keeps CloudFormation's generated, collision-free names."""


@dataclass(frozen=True, kw_only=True)
class EksNodeGroup:
    """An EKS managed node group's own settings (AWS::EKS::Nodegroup), as the plan computed them."""

    cluster_name: str
    kubernetes_version: str
    capacity_type: str
    """ON_DEMAND, SPOT or CAPACITY_BLOCK."""
    ami_type: str
    """The EKS-optimized AL2023 AMI type (AL2023_x86_64_NVIDIA, ...)."""
    labels: Mapping[str, str]
    taints: Sequence[Mapping[str, str]] = ()
    """default: none."""
    repair_config: Mapping[str, object]
    """NodeRepairConfig in CloudFormation's shape."""
    release_version: str | None = None
    """default: the latest AMI release of ``kubernetes_version``."""
    topology_labels: bool = False
    """Label the node at boot from its DescribeInstanceTopology entry (Capacity Block, UltraServer); default: off."""
    ultraserver: bool = False
    """With ``topology_labels``: the node is part of an UltraServer; default: no."""
    raid0_instance_store: bool = False
    """nodeadm stripes the instance store for kubelet and containerd; default: no instance store."""


@dataclass(frozen=True, kw_only=True)
class PcsNodeGroup:
    """An AWS PCS compute node group's own settings (AWS::PCS::ComputeNodeGroup)."""

    cluster_id: str
    ami_id: str
    purchase_option: str
    """ONDEMAND, SPOT or CAPACITY_BLOCK."""
    queue_name: str | None = None
    """Create a queue of this name over the node group; default: none."""


@dataclass(frozen=True, kw_only=True)
class SchedulerFleetProps(NodeProps):
    """The nodes (NodeProps) and the scheduler's node group that owns them: exactly one of ``eks`` and ``pcs``."""

    cluster_security_group: ec2.ISecurityGroup
    """The cluster's security group, on every interface."""
    group_name: str
    """The node group's name (<spec>-<fleet>)."""
    desired_size: int
    min_size: int
    max_size: int
    root_device: str
    """The AMI's root device name (AL2023's /dev/xvda on EKS; the PCS AMI's own)."""
    eks: EksNodeGroup | None = None
    pcs: PcsNodeGroup | None = None


def check_scheduled(props: SchedulerFleetProps) -> None:
    if (props.eks is None) == (props.pcs is None):
        raise ValueError("eks, pcs: give exactly one (the scheduler that owns the node group)")
    if not props.min_size <= props.desired_size <= props.max_size:
        raise ValueError(
            f"desired_size: {props.desired_size} is outside min_size {props.min_size} to max_size {props.max_size}"
        )


class SchedulerFleet(FleetNodes):
    """One fleet's nodes as the scheduler's node group; ``role``, ``launch_template`` and ``node_group``."""

    def __init__(self, scope: Construct, construct_id: str, *, props: SchedulerFleetProps) -> None:
        check_scheduled(props)
        super().__init__(scope, construct_id, props)
        is_eks = props.eks is not None
        self.role = self._node_role(
            f"ultrafleet fleet {props.fleet_name} ({'EKS' if is_eks else 'AWS PCS'} nodes)",
            {**MANAGED_POLICIES, **(EKS_NODE_POLICIES if is_eks else {})},
            path=None if is_eks else PCS_ROLE_PATH,
        )
        group_ids = self._security_groups(props, props.cluster_security_group)
        placement_group = self._placement_group(props)
        if props.eks and props.eks.topology_labels:
            self._grant_topology_read()
        self.launch_template = self._launch_template(
            props,
            group_ids=group_ids,
            instance_profile=None,
            image_id=None,
            user_data=fill(self._user_data(props), props.placeholders),
            root_device=props.root_device,
            placement_group_name=placement_group,
            reservation_in_template=True,
        )
        self.subnet_ids = self._subnet_ids(props)
        self.node_group = self._eks(props, props.eks) if props.eks else self._pcs(props, props.pcs)

    @staticmethod
    def _user_data(props: SchedulerFleetProps) -> str:
        """The join gate's boot script (node init, the hooks, EKS boot labels, CloudWatch agent) in the
        scheduler's user data. The scheduler is the one repairer of its nodes: the gate keeps a failed node out,
        nothing marks it."""
        hooks = list(props.hooks)
        if props.eks and props.eks.topology_labels:
            script = render("eks_node_labels.sh.j2", ultraserver=props.eks.ultraserver)
            hooks.append(UserDataHook(name="eks-node-labels", script=script.rstrip("\n")))
        script = boot_script(props, hooks, NodeHealthProps(self_repair=False))
        if props.eks:
            return eks_user_data(
                fleet_name=props.fleet_name, boot_script=script, raid0_instance_store=props.eks.raid0_instance_store
            )
        return pcs_user_data(fleet_name=props.fleet_name, boot_script=script)

    def _grant_topology_read(self) -> None:
        """Exactly what the boot labels script needs: DescribeInstanceTopology, which supports no resource-level
        permissions (Service Authorization Reference, Amazon EC2 actions)."""
        self._grant_on_any_resource(
            "ec2:DescribeInstanceTopology",
            "ec2:DescribeInstanceTopology supports no resource-level permissions; it is the only action granted on "
            "*, for the node's own topology labels",
            cfripper={"WildcardResourceRule": ec2_describe_on_any(["ec2:DescribeInstanceTopology"])},
        )

    def _grant_on_any_resource(self, action: str, reason: str, **scanner_acks: dict[str, str]) -> None:
        """``action`` on every resource for the node role, acknowledged for cdk-nag (``reason``) and for the
        scanners named in ``scanner_acks`` (constructs.scanner_acks)."""
        self.role.add_to_policy(iam.PolicyStatement(actions=[action], resources=["*"]))
        Validations.of(self.role).acknowledge(
            Acknowledgment(id="AwsSolutions::AwsSolutions-IAM5[Resource::*]", reason=reason)
        )
        acknowledge_default_policy(self.role, **scanner_acks)

    def _launch_template_ref(self) -> dict[str, str]:
        return {"id": self.launch_template.ref, "version": self.launch_template.attr_latest_version_number}

    def _eks(self, props: SchedulerFleetProps, group: EksNodeGroup) -> eks.CfnNodegroup:
        return eks.CfnNodegroup(
            self,
            "Nodegroup",
            cluster_name=group.cluster_name,
            nodegroup_name=props.group_name,
            node_role=self.role.role_arn,
            subnets=self.subnet_ids,
            launch_template=self._launch_template_ref(),
            capacity_type=group.capacity_type,
            ami_type=group.ami_type,
            version=group.kubernetes_version,
            release_version=group.release_version,
            scaling_config={"minSize": props.min_size, "maxSize": props.max_size, "desiredSize": props.desired_size},
            labels=dict(group.labels),
            taints=[dict(t) for t in group.taints] or None,
            node_repair_config=_camel(dict(group.repair_config)),
        )

    def _pcs(self, props: SchedulerFleetProps, group: PcsNodeGroup) -> pcs.CfnComputeNodeGroup:
        self._grant_on_any_resource(
            "pcs:RegisterComputeNodeGroupInstance",
            "pcs:RegisterComputeNodeGroupInstance on *, as AWS PCS's instance-profile policy grants it "
            "(AWS PCS User Guide, IAM instance profiles for AWS PCS)",
            checkov={"CKV_AWS_111": PCS_REGISTER_INSTANCE},
            cfripper={"WildcardResourceRule": PCS_REGISTER_INSTANCE},
        )
        profile = iam.InstanceProfile(self, "InstanceProfile", role=self.role)
        node_group = pcs.CfnComputeNodeGroup(
            self,
            "ComputeNodeGroup",
            cluster_id=group.cluster_id,
            name=props.fleet_name,
            ami_id=group.ami_id,
            custom_launch_template={
                "templateId": self.launch_template.ref,
                "version": self.launch_template.attr_latest_version_number,
            },
            iam_instance_profile_arn=profile.instance_profile_arn,
            instance_configs=[{"instanceType": props.instance_type}],
            scaling_configuration={"minInstanceCount": props.min_size, "maxInstanceCount": props.max_size},
            subnet_ids=self.subnet_ids,
            purchase_option=group.purchase_option,
        )
        if group.queue_name:
            pcs.CfnQueue(
                self,
                "Queue",
                cluster_id=group.cluster_id,
                name=group.queue_name,
                compute_node_group_configurations=[{"computeNodeGroupId": node_group.attr_id}],
            )
        return node_group


def _camel(value):
    """CloudFormation-shaped keys (MaxUnhealthyNodeThresholdPercentage) as the CDK's struct keys (maxUnhealthy...)."""
    if isinstance(value, dict):
        return {k[0].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value
