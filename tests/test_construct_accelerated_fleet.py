"""AcceleratedFleet alone in a bare Stack: its group, launch template and guards, from its own props."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk.assertions import Match, Template
from fleet_construct_base import LAYOUT, RESERVATION, FleetBase

from ultrafleet.constructs.accelerated_fleet import (
    AcceleratedFleet,
    AcceleratedFleetProps,
    ScalingMetric,
    ServingProps,
    TargetTracking,
)
from ultrafleet.constructs.boot_script import unpack
from ultrafleet.constructs.fleet_nodes import FleetRole, Purchase, UserDataHook

_ids = itertools.count()


class Base(FleetBase):
    """The shared bare stack, with a reserved p5 training fleet's props."""

    def __init__(self) -> None:
        super().__init__("Fleet")

    def props(self, **changes) -> AcceleratedFleetProps:
        props = AcceleratedFleetProps(
            **self.node_fields(),
            root_volume_gib=300,
            desired_capacity=3,
            image_parameter="/aws/service/example/ami-id",
            group_name="demo-train",
            breaker_alarm_name="demo-train-health-breaker",
            hooks=[UserDataHook(name="marker", script='log "bucket @@BUCKET@@"')],
            placeholders={"BUCKET": "my-bucket"},
        )
        return replace(props, **changes)

    def build(self, **changes) -> AcceleratedFleet:
        return AcceleratedFleet(self.stack, f"Fleet{next(_ids)}", props=self.props(**changes))


@pytest.fixture(scope="module")
def training() -> Template:
    base = Base()
    base.build()
    return Template.from_stack(base.stack)


def test_a_reserved_training_group_keeps_its_size_inside_the_reservation(training):
    training.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "AutoScalingGroupName": "demo-train",
            "MinSize": "3",
            "MaxSize": "3",
            "DesiredCapacity": "3",
            "HealthCheckType": "EC2",
            "PlacementGroup": Match.any_value(),
            "CapacityReservationSpecification": {
                "CapacityReservationPreference": "capacity-reservations-only",
                "CapacityReservationTarget": {"CapacityReservationIds": [RESERVATION]},
            },
            "InstanceMaintenancePolicy": {"MinHealthyPercentage": 90, "MaxHealthyPercentage": 100},
            "LifecycleHookSpecificationList": [Match.object_like({"LifecycleHookName": "ultrafleet-launch"})],
        },
    )
    training.has_resource_properties("AWS::EC2::PlacementGroup", {"Strategy": "cluster"})


def test_the_launch_template_carries_the_layout_the_image_parameter_and_the_filled_hooks(training):
    (template,) = training.find_resources("AWS::EC2::LaunchTemplate").values()
    data = template["Properties"]["LaunchTemplateData"]
    assert [(n["NetworkCardIndex"], n["InterfaceType"]) for n in data["NetworkInterfaces"]] == [
        (0, "interface"),
        (1, "efa-only"),
    ]
    assert len(data["NetworkInterfaces"][0]["Groups"]) == 2  # the node group and the EFA group
    assert data["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"] == 300
    assert "CapacityReservationSpecification" not in data  # the group targets the reservation
    user_data = data["UserData"]["Fn::Base64"]
    assert "my-bucket" in user_data  # the placeholder filled (in the script, or in the wrapper's sed)
    assert 'log "bucket @@BUCKET@@"' in unpack(user_data) or 'log "bucket my-bucket"' in user_data
    parameters = training.to_json()["Parameters"].values()
    (parameter,) = [p for p in parameters if p["Type"].startswith("AWS::SSM::Parameter::Value<AWS::EC2")]
    assert parameter == {
        "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
        "Default": "/aws/service/example/ami-id",
    }


def test_the_node_may_mark_only_its_own_group(training):
    training.has_resource_properties(
        "AWS::IAM::Policy",
        {"PolicyDocument": {"Statement": Match.array_with([Match.object_like({"Sid": "OwnGroupLifecycle"})])}},
    )


@pytest.fixture(scope="module")
def inference() -> Template:
    base = Base()
    target_group = elbv2.ApplicationTargetGroup(base.stack, "Targets", vpc=base.vpc, port=8000)
    serving = ServingProps(
        target_group=target_group,
        load_balancer_group=ec2.SecurityGroup(base.stack, "Alb", vpc=base.vpc, allow_all_outbound=False),
        request_count_label="app/lb/1/targetgroup/tg/2",
        port=8000,
        min_size=1,
        max_size=6,
        scaling=TargetTracking(metric=ScalingMetric.REQUEST_COUNT, target_value=50),
        spot_percent=40,
        warm_pool_min_size=1,
    )
    base.build(
        fleet_name="chat",
        role=FleetRole.INFERENCE,
        layout=LAYOUT[:1],
        efa_security_group=None,
        placement=None,
        purchase=Purchase.ON_DEMAND,
        reservation_id=None,
        desired_capacity=2,
        serving=serving,
    )
    return Template.from_stack(base.stack)


def test_an_inference_group_scales_behind_its_target_group_with_a_spot_share(inference):
    inference.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "MinSize": "1",
            "MaxSize": "6",
            "DesiredCapacity": "2",
            "HealthCheckType": "ELB",
            "TargetGroupARNs": [Match.any_value()],
            "CapacityRebalance": True,
            "MixedInstancesPolicy": Match.object_like(
                {
                    "InstancesDistribution": {
                        "OnDemandBaseCapacity": 1,
                        "OnDemandPercentageAboveBaseCapacity": 60,
                        "SpotAllocationStrategy": "price-capacity-optimized",
                    }
                }
            ),
            # a warm pool's instances would wait in the launch hook twice: no launch hook
            "LifecycleHookSpecificationList": Match.absent(),
            "PlacementGroup": Match.absent(),
        },
    )
    inference.has_resource_properties(
        "AWS::AutoScaling::ScalingPolicy",
        {
            "TargetTrackingConfiguration": {
                "TargetValue": 50,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "ALBRequestCountPerTarget",
                    "ResourceLabel": "app/lb/1/targetgroup/tg/2",
                },
            }
        },
    )
    inference.has_resource_properties("AWS::AutoScaling::WarmPool", {"MinSize": 1, "PoolState": "Stopped"})
    inference.has_resource("AWS::AutoScaling::AutoScalingGroup", {"UpdatePolicy": Match.object_like({})})
    inference.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {"FromPort": 8000, "ToPort": 8000, "Description": Match.string_like_regexp("load balancer")},
    )


@pytest.fixture(scope="module")
def base() -> Base:
    return Base()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"efa_security_group": None}, "efa_security_group: required for fleet train, whose layout has EFA interfaces"),
        ({"reservation_id": None}, "reservation_id: required with purchase capacity-reservation"),
        (
            {"purchase": Purchase.SPOT},
            f"reservation_id: {RESERVATION} needs purchase capacity-reservation or capacity-block, not spot",
        ),
        (
            {"image_id": "ami-0123456789abcdef0"},
            "image_id, image_parameter: give exactly one (an AMI id, or the SSM parameter naming one)",
        ),
        (
            {"image_parameter": None},
            "image_id, image_parameter: give exactly one (an AMI id, or the SSM parameter naming one)",
        ),
        ({"desired_capacity": 0}, "desired_capacity: 0 is below 1; a fleet keeps at least one instance"),
    ],
)
def test_contradicting_props_are_refused(base, changes, message):
    with pytest.raises(ValueError) as raised:
        base.build(**changes)
    assert str(raised.value) == message


@pytest.mark.parametrize("percent", [-1, 101])
def test_a_spot_share_outside_0_to_100_is_refused(base, percent):
    serving = ServingProps(
        target_group=elbv2.ApplicationTargetGroup.from_target_group_attributes(
            base.stack,
            f"Tg{percent}",
            target_group_arn="arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/t/1",
        ),
        load_balancer_group=base.efa,
        request_count_label="x",
        port=8000,
        spot_percent=percent,
    )
    with pytest.raises(ValueError) as raised:
        base.build(serving=serving)
    assert str(raised.value) == f"serving.spot_percent: {percent} is outside 0-100"


def test_the_smallest_fleet_and_an_explicit_image_are_taken(base):
    fleet = base.build(desired_capacity=1, image_id="ami-0123456789abcdef0", image_parameter=None)
    assert fleet.auto_scaling_group.desired_capacity == "1"


def test_subnet_ids_given_by_the_caller_are_used_as_they_are(base):
    """A stack of many fleets selects the subnets once (NetworkStack.compute_subnet_ids) and passes them in."""
    fleet = base.build(subnet_ids=["subnet-0aaa", "subnet-0bbb"])
    assert fleet.auto_scaling_group.vpc_zone_identifier == ["subnet-0aaa", "subnet-0bbb"]
    selected = base.build()  # default: the VPC's compute subnets in the fleet's zones
    zones = base.vpc.select_subnets(subnet_group_name="compute", availability_zones=["us-east-1a"]).subnet_ids
    assert base.stack.resolve(selected.auto_scaling_group.vpc_zone_identifier) == base.stack.resolve(zones)
