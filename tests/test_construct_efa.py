"""EfaLaunchTemplate and EfaSecurityGroup alone in a bare Stack."""

from __future__ import annotations

from dataclasses import replace

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

from ultrafleet.constructs.efa_launch_template import CapacityBlockTarget, EfaLaunchTemplate, EfaLaunchTemplateProps
from ultrafleet.constructs.efa_security_group import EfaSecurityGroup, EfaSecurityGroupProps
from ultrafleet.planning.efa_layout import Interface

PRIMARY = Interface(card=0, device=0, kind="interface")
EFA = [Interface(card=c, device=0, kind="efa-only") for c in range(1, 4)]
BLOCK = CapacityBlockTarget(reservation_id="cr-0123456789abcdef0")


@pytest.fixture(scope="module")
def stack() -> cdk.Stack:
    return cdk.Stack(cdk.App())


@pytest.fixture(scope="module")
def group(stack) -> EfaSecurityGroup:
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
    return EfaSecurityGroup(stack, "Efa", props=EfaSecurityGroupProps(vpc=vpc))


def props(group: EfaSecurityGroup, **changes) -> EfaLaunchTemplateProps:
    base = EfaLaunchTemplateProps(
        instance_type="p5.48xlarge",
        layout=[PRIMARY, *EFA],
        security_group_ids=[group.security_group.security_group_id],
        instance_profile=None,
        image_id="ami-0123456789abcdef0",
        user_data="#!/bin/bash\necho hi\n",
        root_volume_gib=200,
    )
    return replace(base, **changes)


@pytest.fixture(scope="module")
def template(stack, group) -> Template:
    EfaLaunchTemplate(stack, "Block", props=props(group, capacity_block=BLOCK, tags={"ultrafleet:fleet": "train"}))
    return Template.from_stack(stack)


def test_every_interface_carries_the_groups_and_no_public_address(template):
    (lt,) = template.find_resources("AWS::EC2::LaunchTemplate").values()
    interfaces = lt["Properties"]["LaunchTemplateData"]["NetworkInterfaces"]
    assert [(i["NetworkCardIndex"], i["DeviceIndex"], i["InterfaceType"]) for i in interfaces] == [
        (0, 0, "interface"),
        (1, 0, "efa-only"),
        (2, 0, "efa-only"),
        (3, 0, "efa-only"),
    ]
    assert all(i["AssociatePublicIpAddress"] is False and len(i["Groups"]) == 1 for i in interfaces)


def test_a_capacity_block_is_its_market_and_its_target(template):
    template.has_resource_properties(
        "AWS::EC2::LaunchTemplate",
        {
            "LaunchTemplateData": Match.object_like(
                {
                    "InstanceMarketOptions": {"MarketType": "capacity-block"},
                    "CapacityReservationSpecification": {
                        "CapacityReservationTarget": {"CapacityReservationId": BLOCK.reservation_id}
                    },
                    "MetadataOptions": {
                        "HttpEndpoint": "enabled",
                        "HttpTokens": "required",
                        "HttpPutResponseHopLimit": 2,
                    },
                    "BlockDeviceMappings": [
                        {
                            "DeviceName": "/dev/sda1",
                            "Ebs": {
                                "VolumeSize": 200,
                                "VolumeType": "gp3",
                                "Encrypted": True,
                                "DeleteOnTermination": True,
                            },
                        }
                    ],
                    "TagSpecifications": Match.array_with(
                        [{"ResourceType": "network-interface", "Tags": [{"Key": "ultrafleet:fleet", "Value": "train"}]}]
                    ),
                    "IamInstanceProfile": Match.absent(),
                }
            )
        },
    )


def test_the_efa_group_allows_all_traffic_among_its_members_only(template):
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress", {"IpProtocol": "-1", "Description": "EFA in from members"}
    )
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupEgress", {"IpProtocol": "-1", "Description": "EFA out to members"}
    )
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": "EFA: all traffic between members",
            "SecurityGroupEgress": [Match.object_like({"CidrIp": "255.255.255.255/32"})],
        },
    )


@pytest.mark.parametrize(
    "layout",
    [[], EFA, [Interface(card=0, device=1, kind="interface")], [Interface(card=0, device=0, kind="efa"), *EFA]],
    ids=["empty", "no-primary", "device-1", "primary-is-efa"],
)
def test_a_layout_without_the_primary_ena_interface_first_is_refused(stack, group, layout):
    with pytest.raises(ValueError) as raised:
        EfaLaunchTemplate(stack, f"Bad{len(layout)}{id(layout)}", props=props(group, layout=layout))
    assert str(raised.value) == "layout: the first interface must be card 0 device 0 of type interface (primary ENA)"


def test_a_block_and_a_reservation_together_are_refused(stack, group):
    with pytest.raises(ValueError) as raised:
        EfaLaunchTemplate(
            stack, "Both", props=props(group, capacity_block=BLOCK, capacity_reservation_id="cr-0fedcba9876543210")
        )
    assert str(raised.value) == (
        "capacity_block, capacity_reservation_id: give at most one (a Capacity Block is targeted by its own id)"
    )
