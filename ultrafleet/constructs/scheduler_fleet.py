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

from aws_cdk import Acknowledgment, Tags, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_pcs as pcs
from constructs import Construct

from ultrafleet.constructs.accelerated_fleet import (
    MANAGED_POLICIES,
    AcceleratedFleet,
    UserDataHook,
    acknowledge_managed_policies,
    node_security_group,
    placement_group_name,
)
from ultrafleet.constructs.boot_script import fit
from ultrafleet.constructs.efa_launch_template import CapacityBlockTarget, EfaLaunchTemplate
from ultrafleet.constructs.fleet_health import NodeHealthProps, NodeHealthScript
from ultrafleet.constructs.scanner_acks import (
    PCS_REGISTER_INSTANCE,
    acknowledge_default_policy,
    ec2_describe_on_any,
)
from ultrafleet.constructs.scheduler_user_data import eks_user_data, pcs_user_data
from ultrafleet.constructs.user_data import fill
from ultrafleet.planning import scheduler as plan
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import EksScheduler, PcsScheduler
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


def scheduler_boot_script(
    fleet: ResolvedFleet,
    scheduler: EksScheduler | PcsScheduler,
    *,
    hooks: Sequence[UserDataHook] = (),
    log_group_name: str | None = None,
    watched_paths: Sequence[str] = ("/",),
) -> str:
    """The boot script a scheduler fleet's join gate runs: ultrafleet's node init with the fleet's hooks, the EKS
    boot labels where they are needed, and the CloudWatch agent. The one place where a scheduler fleet's boot
    checks are chosen: the boot health gate belongs here, periodic self-marking does not (the scheduler repairs)."""
    boot_hooks = list(hooks)
    if isinstance(scheduler, EksScheduler) and plan.boot_labels_needed(fleet):
        script = render("eks_node_labels.sh.j2", ultraserver=fleet.ultraserver is not None)
        boot_hooks.append(UserDataHook(name="eks-node-labels", script=script.rstrip("\n")))
    if log_group_name:
        boot_hooks.append(AcceleratedFleet._cloudwatch_hook(fleet, log_group_name, watched_paths))
    acc = fleet.instance_type.accelerators
    # The scheduler is the one repairer of its nodes: the gate keeps a failed node out, nothing marks it.
    health_boot, health_join = NodeHealthScript.of(fleet, NodeHealthProps(self_repair=False), None).boot_sections()
    script = render(
        "node_init.sh.j2",
        fleet_name=fleet.spec.name,
        instance_type=fleet.instance_type.name,
        efa_interfaces=fleet.efa_interfaces,
        neuron=bool(acc and acc.kind == "neuron"),
        hooks=boot_hooks,
        health_boot=health_boot,
        health_join=health_join,
    )
    return fit(script)


def scheduler_owns_nvme(scheduler: EksScheduler | PcsScheduler | None) -> bool:
    """EKS's nodeadm builds the instance-store RAID0 (for kubelet and containerd); under PCS, or without a
    scheduler, ultrafleet's checkpoint tier builds its own array."""
    return isinstance(scheduler, EksScheduler)


class SchedulerFleet(Construct):
    """One fleet's nodes as the scheduler's node group.

    :param fleet: the planned fleet.
    :param scheduler: the spec's scheduler section (EKS or PCS).
    :param vpc: the scheduler's VPC (imported); the fleet's subnets in its zones are used.
    :param efa_security_group: required when the fleet uses EFA.
    :param boot_script: the fleet's rendered boot script (``scheduler_boot_script``), run by the join gate.
    :param placeholders: deploy-time values for the boot script's @@NAME@@ marks; default: none.
    :param extra_security_groups: more groups for every interface; default: none.
    :param group_name: the node group's name (<spec>-<fleet>).
    :param queue_name: PCS only: create a queue of this name over the node group; default: none.
    :param subnet_group_name: default: "compute".
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        fleet: ResolvedFleet,
        scheduler: EksScheduler | PcsScheduler,
        vpc: ec2.IVpc,
        efa_security_group: ec2.ISecurityGroup | None,
        boot_script: str,
        placeholders: Mapping[str, str] | None = None,
        extra_security_groups: Sequence[ec2.ISecurityGroup] = (),
        group_name: str,
        queue_name: str | None = None,
        subnet_group_name: str = "compute",
    ) -> None:
        super().__init__(scope, construct_id)
        spec = fleet.spec
        Tags.of(self).add("ultrafleet:fleet", spec.name)
        Tags.of(self).add("ultrafleet:role", spec.role.value)
        if fleet.efa and efa_security_group is None:
            raise ValueError(f"efa_security_group: required for fleet {spec.name}, which uses EFA")
        is_eks = isinstance(scheduler, EksScheduler)
        policies = {**MANAGED_POLICIES, **(EKS_NODE_POLICIES if is_eks else {})}
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description=f"ultrafleet fleet {spec.name} ({'EKS' if is_eks else 'AWS PCS'} nodes)",
            path=None if is_eks else PCS_ROLE_PATH,
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(p) for p in policies],
        )
        acknowledge_managed_policies(self.role, policies)
        self.node_security_group = node_security_group(self, vpc, spec.name)
        cluster_group = ec2.SecurityGroup.from_security_group_id(
            self, "ClusterGroup", scheduler.cluster_security_group_id, mutable=False
        )
        groups = [self.node_security_group, cluster_group, *extra_security_groups]
        if fleet.efa and efa_security_group:
            groups.append(efa_security_group)

        placement_group = placement_group_name(self, fleet)
        if is_eks and plan.boot_labels_needed(fleet):
            self._grant_topology_read()
        if is_eks:
            user_data = eks_user_data(
                fleet_name=spec.name, boot_script=boot_script, raid0_instance_store=fleet.instance_type.nvme is not None
            )
        else:
            user_data = pcs_user_data(fleet_name=spec.name, boot_script=boot_script)
        capacity = spec.capacity
        self.launch_template = EfaLaunchTemplate(
            self,
            "LaunchTemplate",
            instance_type=fleet.instance_type.name,
            layout=fleet.layout,
            security_groups=groups,
            instance_profile=None,
            image_id=None,
            user_data=fill(user_data, placeholders or {}),
            root_volume_gib=spec.root_volume_gib,
            capacity_block=CapacityBlockTarget(reservation_id=capacity.reservation_id)
            if capacity.type == "capacity-block"
            else None,
            tags={"ultrafleet:fleet": spec.name, "ultrafleet:role": spec.role.value},
            root_device=plan.AL2023_ROOT_DEVICE if is_eks else scheduler.root_device_name,
            placement_group_name=placement_group,
            capacity_reservation_id=capacity.reservation_id if capacity.type == "capacity-reservation" else None,
        ).launch_template
        self.subnet_ids = vpc.select_subnets(
            subnet_group_name=subnet_group_name, availability_zones=list(fleet.availability_zones)
        ).subnet_ids
        low, high = self._size(fleet)
        if is_eks:
            self.node_group = self._eks(fleet, scheduler, group_name, low, high)
        else:
            self.node_group = self._pcs(fleet, scheduler, low, high, queue_name)

    @staticmethod
    def _size(fleet: ResolvedFleet) -> tuple[int, int]:
        settings = fleet.spec.inference
        low = settings.min_size if settings and settings.min_size is not None else fleet.instances
        return low, (settings.max_size if settings and settings.max_size else fleet.instances)

    def _grant_topology_read(self) -> None:
        """Exactly what the boot labels script needs: DescribeInstanceTopology, which supports no resource-level
        permissions (Service Authorization Reference, Amazon EC2 actions)."""
        self.role.add_to_policy(iam.PolicyStatement(actions=["ec2:DescribeInstanceTopology"], resources=["*"]))
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                reason="ec2:DescribeInstanceTopology supports no resource-level permissions; it is the only "
                "action granted on *, for the node's own topology labels",
            )
        )
        acknowledge_default_policy(
            self.role, cfripper={"WildcardResourceRule": ec2_describe_on_any(["ec2:DescribeInstanceTopology"])}
        )

    def _launch_template_ref(self) -> dict[str, str]:
        return {"id": self.launch_template.ref, "version": self.launch_template.attr_latest_version_number}

    def _eks(self, fleet: ResolvedFleet, scheduler: EksScheduler, name: str, low: int, high: int) -> eks.CfnNodegroup:
        return eks.CfnNodegroup(
            self,
            "Nodegroup",
            cluster_name=scheduler.cluster_name,
            nodegroup_name=name,
            node_role=self.role.role_arn,
            subnets=self.subnet_ids,
            launch_template=self._launch_template_ref(),
            capacity_type=plan.eks_capacity_type(fleet.spec),
            ami_type=plan.ami_type(fleet.instance_type),
            version=scheduler.kubernetes_version,
            release_version=scheduler.release_version,
            scaling_config={"minSize": low, "maxSize": high, "desiredSize": fleet.instances},
            labels=plan.node_labels(fleet, scheduler),
            taints=plan.node_taints(fleet, scheduler) or None,
            node_repair_config=_camel(plan.repair_config(fleet.spec, scheduler)),
        )

    def _pcs(
        self, fleet: ResolvedFleet, scheduler: PcsScheduler, low: int, high: int, queue_name: str | None
    ) -> pcs.CfnComputeNodeGroup:
        self.role.add_to_policy(iam.PolicyStatement(actions=["pcs:RegisterComputeNodeGroupInstance"], resources=["*"]))
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                reason="pcs:RegisterComputeNodeGroupInstance on *, as AWS PCS's instance-profile policy grants it "
                "(AWS PCS User Guide, IAM instance profiles for AWS PCS)",
            )
        )
        acknowledge_default_policy(
            self.role,
            checkov={"CKV_AWS_111": PCS_REGISTER_INSTANCE},
            cfripper={"WildcardResourceRule": PCS_REGISTER_INSTANCE},
        )
        profile = iam.InstanceProfile(self, "InstanceProfile", role=self.role)
        group = pcs.CfnComputeNodeGroup(
            self,
            "ComputeNodeGroup",
            cluster_id=scheduler.cluster_id,
            name=fleet.spec.name,
            ami_id=scheduler.ami_id,
            custom_launch_template={
                "templateId": self.launch_template.ref,
                "version": self.launch_template.attr_latest_version_number,
            },
            iam_instance_profile_arn=profile.instance_profile_arn,
            instance_configs=[{"instanceType": fleet.instance_type.name}],
            scaling_configuration={"minInstanceCount": low, "maxInstanceCount": high},
            subnet_ids=self.subnet_ids,
            purchase_option=plan.pcs_purchase_option(fleet.spec),
        )
        if queue_name:
            pcs.CfnQueue(
                self,
                "Queue",
                cluster_id=scheduler.cluster_id,
                name=queue_name,
                compute_node_group_configurations=[{"computeNodeGroupId": group.attr_id}],
            )
        return group


def _camel(value):
    """CloudFormation-shaped keys (MaxUnhealthyNodeThresholdPercentage) as the CDK's struct keys (maxUnhealthy...)."""
    if isinstance(value, dict):
        return {k[0].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value
