"""The network stack: VPC, subnets sized by the plan, S3 gateway endpoint, flow logs, no public IPs."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template


def template(reference_stacks) -> Template:
    return Template.from_stack(reference_stacks.network)


def test_vpc_cidr_and_dns(reference_stacks):
    template(reference_stacks).has_resource_properties(
        "AWS::EC2::VPC", {"CidrBlock": "10.64.0.0/16", "EnableDnsHostnames": True, "EnableDnsSupport": True}
    )


def test_compute_subnets_are_private_sized_by_plan_in_every_zone(reference_stacks):
    subnets = template(reference_stacks).find_resources("AWS::EC2::Subnet")
    compute = sorted(
        (p["Properties"]["AvailabilityZone"], p["Properties"]["CidrBlock"])
        for p in subnets.values()
        if "/24" in p["Properties"]["CidrBlock"]
    )
    assert compute == [
        ("us-east-1-dfw-2a", "10.64.3.0/24"),
        ("us-east-1a", "10.64.1.0/24"),
        ("us-east-1b", "10.64.2.0/24"),
    ]
    assert all(p["Properties"]["MapPublicIpOnLaunch"] is False for p in subnets.values())


def test_one_nat_gateway_and_s3_gateway_endpoint(reference_stacks):
    t = template(reference_stacks)
    t.resource_count_is("AWS::EC2::NatGateway", 1)
    t.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "VpcEndpointType": "Gateway",
            "ServiceName": {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]},
            "RouteTableIds": Match.any_value(),
        },
    )


def test_flow_logs_to_retained_log_group(reference_stacks):
    t = template(reference_stacks)
    t.has_resource_properties("AWS::EC2::FlowLog", {"ResourceType": "VPC", "TrafficType": "ALL"})
    t.has_resource("AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 365}, "DeletionPolicy": "Retain"})


def test_spec_tags_reach_resources(reference_stacks):
    template(reference_stacks).has_resource_properties(
        "AWS::EC2::VPC",
        {
            "Tags": Match.array_with(
                [{"Key": "team", "Value": "ml-platform"}, {"Key": "ultrafleet:spec", "Value": "frontier"}]
            )
        },
    )


def test_the_default_security_group_is_restricted_only_when_the_spec_asks(reference_stacks):
    """The restriction is a Lambda-backed custom resource moto cannot run: off by default (docs/feature-flags.md)."""
    from conftest import build_stacks, spec_dict

    assert template(reference_stacks).find_resources("Custom::VpcRestrictDefaultSG") == {}
    network = Template.from_stack(build_stacks(spec_dict(network={"restrict_default_security_group": True})).network)
    (restriction,) = network.find_resources("Custom::VpcRestrictDefaultSG").values()
    (vpc,) = network.find_resources("AWS::EC2::VPC")
    assert restriction["Properties"]["DefaultSecurityGroupId"] == {"Fn::GetAtt": [vpc, "DefaultSecurityGroup"]}


def test_compute_subnets_are_selected_once_per_set_of_zones(reference_stacks):
    """Every fleet in the same zones gets the same selection (one set of jsii round trips, docs/speed.md)."""
    network = reference_stacks.network
    one_zone = network.compute_subnet_ids(["us-east-1a"])
    assert network.compute_subnet_ids(["us-east-1a"]) is one_zone
    two_zones = network.compute_subnet_ids(["us-east-1a", "us-east-1b"])
    cidrs = [
        network.resolve(s.ipv4_cidr_block)
        for s in network.vpc.private_subnets
        if network.resolve(s.subnet_id) in [network.resolve(i) for i in two_zones]
    ]
    assert (len(one_zone), sorted(cidrs)) == (1, ["10.64.1.0/24", "10.64.2.0/24"])
