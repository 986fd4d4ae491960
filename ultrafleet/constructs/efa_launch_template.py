"""A launch template whose network interfaces reach the type's full EFA count and bandwidth.

The interface list comes from ``ultrafleet.planning.efa_layout`` (derived from the catalog, never per-type
literals). Security groups sit on every interface: a launch template with network interfaces cannot also carry
SecurityGroupIds. No interface gets a public IP; subnets come from the Auto Scaling group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Fn
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from ultrafleet.planning.efa_layout import Interface

ROOT_DEVICE = "/dev/sda1"
"""Root device name of the Ubuntu-based Deep Learning AMIs."""


@dataclass(frozen=True, kw_only=True)
class CapacityBlockTarget:
    """Launch into a Capacity Block for ML: market type capacity-block plus the block's reservation id."""

    reservation_id: str


class EfaLaunchTemplate(Construct):
    """An EC2 launch template for one accelerated fleet.

    :param instance_type: EC2 instance type name.
    :param layout: the interfaces, in card/device order (first: card 0 device 0, the primary ENA interface).
    :param security_groups: attached to every interface.
    :param instance_profile: the fleet's instance profile.
    :param image_id: AMI id or a token resolved at deploy time (an SSM parameter).
    :param user_data: the rendered boot script (plain text; base64-encoded here).
    :param root_volume_gib: encrypted gp3 root volume size.
    :param capacity_block: default: none (On-Demand, or a Capacity Reservation set on the Auto Scaling group).
    :param tags: tags for the instances, volumes and interfaces it launches.
    :param root_device: the AMI's root device name; default: the Deep Learning AMIs' /dev/sda1.
    :param placement_group_name: launch into this placement group; default: none (the Auto Scaling group sets it).
    :param capacity_reservation_id: target this Capacity Reservation; default: none (the Auto Scaling group, or
        ``capacity_block``, targets reservations).

    A scheduler that owns the instances' group (EKS, PCS) passes ``instance_profile=None`` (it names the role
    itself) and, for EKS, ``image_id=None`` (the node group's AmiType picks the image).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        instance_type: str,
        layout: Sequence[Interface],
        security_groups: Sequence[ec2.ISecurityGroup],
        instance_profile: iam.IInstanceProfile | None,
        image_id: str | None,
        user_data: str,
        root_volume_gib: int,
        capacity_block: CapacityBlockTarget | None = None,
        tags: dict[str, str] | None = None,
        root_device: str = ROOT_DEVICE,
        placement_group_name: str | None = None,
        capacity_reservation_id: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if not layout or (layout[0].card, layout[0].device, layout[0].kind) != (0, 0, "interface"):
            raise ValueError("layout: the first interface must be card 0 device 0 of type interface (primary ENA)")
        group_ids = [g.security_group_id for g in security_groups]
        cfn_tags = (
            [
                ec2.CfnLaunchTemplate.TagSpecificationProperty(
                    resource_type=kind, tags=[{"key": k, "value": v} for k, v in sorted((tags or {}).items())]
                )
                for kind in ("instance", "volume", "network-interface")
            ]
            if tags
            else None
        )
        data = ec2.CfnLaunchTemplate.LaunchTemplateDataProperty(
            instance_type=instance_type,
            image_id=image_id,
            iam_instance_profile=ec2.CfnLaunchTemplate.IamInstanceProfileProperty(
                arn=instance_profile.instance_profile_arn
            )
            if instance_profile
            else None,
            metadata_options=ec2.CfnLaunchTemplate.MetadataOptionsProperty(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=2
            ),
            block_device_mappings=[
                ec2.CfnLaunchTemplate.BlockDeviceMappingProperty(
                    device_name=root_device,
                    ebs=ec2.CfnLaunchTemplate.EbsProperty(
                        volume_size=root_volume_gib, volume_type="gp3", encrypted=True, delete_on_termination=True
                    ),
                )
            ],
            # Plain CloudFormation-shaped dicts: a p5 has 33 interfaces, and jsii type-checks every struct object,
            # which made this list the largest cost of synthesizing a fleet (bench/run.py).
            network_interfaces=[
                {
                    "networkCardIndex": i.card,
                    "deviceIndex": i.device,
                    "interfaceType": i.kind,
                    "groups": group_ids,
                    "associatePublicIpAddress": False,
                    "deleteOnTermination": True,
                }
                for i in layout
            ],
            user_data=Fn.base64(user_data),
            tag_specifications=cfn_tags,
            instance_market_options=ec2.CfnLaunchTemplate.InstanceMarketOptionsProperty(market_type="capacity-block")
            if capacity_block
            else None,
            capacity_reservation_specification=ec2.CfnLaunchTemplate.CapacityReservationSpecificationProperty(
                capacity_reservation_target=ec2.CfnLaunchTemplate.CapacityReservationTargetProperty(
                    capacity_reservation_id=capacity_block.reservation_id if capacity_block else capacity_reservation_id
                )
            )
            if capacity_block or capacity_reservation_id
            else None,
            placement=ec2.CfnLaunchTemplate.PlacementProperty(group_name=placement_group_name)
            if placement_group_name
            else None,
        )
        self.launch_template = ec2.CfnLaunchTemplate(self, "Resource", launch_template_data=data)
