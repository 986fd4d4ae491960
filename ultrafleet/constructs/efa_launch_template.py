"""A launch template whose network interfaces reach the type's full EFA count and bandwidth.

The interface list comes from ``ultrafleet.planning.efa_layout`` (derived from the catalog, never per-type
literals). Security groups sit on every interface: a launch template with network interfaces cannot also carry
SecurityGroupIds. No interface gets a public IP; subnets come from the Auto Scaling group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


@dataclass(frozen=True, kw_only=True)
class EfaLaunchTemplateProps:
    """One accelerated fleet's launch template.

    A scheduler that owns the instances' group (EKS, PCS) passes ``instance_profile=None`` (it names the role
    itself) and, for EKS, ``image_id=None`` (the node group's AmiType picks the image).
    """

    instance_type: str
    """EC2 instance type name."""
    layout: Sequence[Interface]
    """The interfaces, in card/device order (first: card 0 device 0, the primary ENA interface)."""
    security_group_ids: Sequence[str]
    """Attached to every interface."""
    instance_profile: iam.IInstanceProfile | None
    """The fleet's instance profile; None: the scheduler's node group names the role."""
    image_id: str | None
    """AMI id or a token resolved at deploy time (an SSM parameter); None: the node group picks the image."""
    user_data: str
    """The rendered boot script (plain text; base64-encoded here)."""
    root_volume_gib: int
    """Encrypted gp3 root volume size."""
    capacity_block: CapacityBlockTarget | None = None
    """default: none (On-Demand, or a Capacity Reservation set on the Auto Scaling group)."""
    tags: Mapping[str, str] | None = None
    """Tags for the instances, volumes and interfaces it launches; default: none."""
    root_device: str = ROOT_DEVICE
    """The AMI's root device name; default: the Deep Learning AMIs' /dev/sda1."""
    placement_group_name: str | None = None
    """Launch into this placement group; default: none (the Auto Scaling group sets it)."""
    capacity_reservation_id: str | None = None
    """Target this Capacity Reservation; default: none (the Auto Scaling group, or ``capacity_block``, targets
    reservations)."""


def _check(props: EfaLaunchTemplateProps) -> None:
    layout = props.layout
    if not layout or (layout[0].card, layout[0].device, layout[0].kind) != (0, 0, "interface"):
        raise ValueError("layout: the first interface must be card 0 device 0 of type interface (primary ENA)")
    if props.capacity_block and props.capacity_reservation_id:
        raise ValueError(
            "capacity_block, capacity_reservation_id: give at most one (a Capacity Block is targeted by its own id)"
        )


class EfaLaunchTemplate(Construct):
    """An EC2 launch template for one accelerated fleet; ``launch_template`` is the CfnLaunchTemplate."""

    def __init__(self, scope: Construct, construct_id: str, *, props: EfaLaunchTemplateProps) -> None:
        super().__init__(scope, construct_id)
        _check(props)
        group_ids, tags, layout, capacity_block = (
            list(props.security_group_ids),
            props.tags,
            props.layout,
            props.capacity_block,
        )
        # Plain CloudFormation-shaped dicts (camelCase keys, as the L1 reads them), not jsii struct objects: jsii
        # type-checks every struct and its every element in Python, and a p5's 33 interfaces made this the largest
        # cost of synthesizing a fleet (docs/speed.md). The L1 renders both alike (tests/test_templates_unchanged.py).
        data: dict = {
            "instanceType": props.instance_type,
            "imageId": props.image_id,
            "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 2},
            "blockDeviceMappings": [
                {
                    "deviceName": props.root_device,
                    "ebs": {
                        "volumeSize": props.root_volume_gib,
                        "volumeType": "gp3",
                        "encrypted": True,
                        "deleteOnTermination": True,
                    },
                }
            ],
            "networkInterfaces": [
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
            "userData": Fn.base64(props.user_data),
        }
        if props.instance_profile:
            data["iamInstanceProfile"] = {"arn": props.instance_profile.instance_profile_arn}
        if tags:
            data["tagSpecifications"] = [
                {"resourceType": kind, "tags": [{"key": k, "value": v} for k, v in sorted(tags.items())]}
                for kind in ("instance", "volume", "network-interface")
            ]
        if capacity_block:
            data["instanceMarketOptions"] = {"marketType": "capacity-block"}
        if reservation := capacity_block.reservation_id if capacity_block else props.capacity_reservation_id:
            data["capacityReservationSpecification"] = {
                "capacityReservationTarget": {"capacityReservationId": reservation}
            }
        if props.placement_group_name:
            data["placement"] = {"groupName": props.placement_group_name}
        self.launch_template = ec2.CfnLaunchTemplate(self, "Resource", launch_template_data=data)
