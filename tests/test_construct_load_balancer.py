"""InferenceLoadBalancer alone in a bare Stack: its listener, target groups, routes and guards."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Capture, Match, Template

from ultrafleet.constructs.inference_load_balancer import (
    FleetRoute,
    FleetTarget,
    InferenceLoadBalancer,
    LoadBalancerProps,
)

CERT = "arn:aws:acm:us-east-1:111122223333:certificate/abc"


def balancer(**changes) -> tuple[cdk.Stack, InferenceLoadBalancer]:
    stack = cdk.Stack(cdk.App(), env=cdk.Environment(account="111122223333", region="us-east-1"))
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="nat", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="compute", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
    )
    props = {
        "vpc": vpc,
        "vpc_subnets": ec2.SubnetSelection(subnet_group_name="compute" if changes.get("internal", True) else "nat"),
        "logs_bucket": s3.Bucket(stack, "Logs"),
        "internal": True,
    }
    return stack, InferenceLoadBalancer(stack, "Endpoint", props=LoadBalancerProps(**(props | changes)))


@pytest.fixture(scope="module")
def internal() -> Template:
    stack, endpoint = balancer()
    endpoint.add_fleet(FleetTarget(name="chat", port=8080, health_check_path="/ready"))
    endpoint.add_fleet(
        FleetTarget(
            name="embed",
            port=9000,
            health_check_path="/health",
            route=FleetRoute(priority=10, path_patterns=["/embed/*"]),
        )
    )
    return Template.from_stack(stack)


def test_internal_is_http_on_80_from_the_vpc(internal):
    internal.has_resource_properties("AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internal"})
    internal.has_resource_properties("AWS::ElasticLoadBalancingV2::Listener", {"Port": 80, "Protocol": "HTTP"})
    internal.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {"SecurityGroupIngress": [Match.object_like({"FromPort": 80, "CidrIp": Match.any_value()})]},
    )


def test_the_fleet_without_a_route_is_the_default_action(internal):
    internal.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "Port": 8080,
            "HealthCheckPath": "/ready",
            "TargetGroupAttributes": Match.array_with([{"Key": "deregistration_delay.timeout_seconds", "Value": "60"}]),
        },
    )
    target = Capture()
    internal.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": target}}]},
    )
    assert internal.to_json()["Resources"][target.as_string()]["Properties"]["Port"] == 8080


def test_a_routed_fleet_gets_a_listener_rule(internal):
    internal.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {"Priority": 10, "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/embed/*"]}}]},
    )


def test_internet_facing_with_a_certificate_is_https_on_443():
    stack, _ = balancer(internal=False, certificate_arn=CERT)
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internet-facing"})
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 443, "Protocol": "HTTPS", "Certificates": [{"CertificateArn": CERT}]},
    )


def test_internet_facing_without_a_certificate_is_refused():
    with pytest.raises(ValueError) as raised:
        balancer(internal=False)
    assert str(raised.value) == (
        "certificate_arn: required for an internet-facing load balancer (internal: False); "
        "HTTP on 80 is for internal ones only"
    )


@pytest.fixture(scope="module")
def endpoint() -> InferenceLoadBalancer:
    return balancer()[1]


@pytest.mark.parametrize("priority", [1, 50000])
def test_route_priorities_at_the_bounds_are_taken(endpoint, priority):
    endpoint.add_fleet(
        FleetTarget(
            name=f"p{priority}",
            port=8000,
            health_check_path="/",
            route=FleetRoute(priority=priority, header_name="x-model", header_values=["a"]),
        )
    )


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (
            FleetRoute(priority=0, path_patterns=["/a"]),
            "route.priority: 0 is outside 1-50000; pick a free priority in that range",
        ),
        (
            FleetRoute(priority=50001, path_patterns=["/a"]),
            "route.priority: 50001 is outside 1-50000; pick a free priority in that range",
        ),
        (
            FleetRoute(priority=5),
            "route: needs path_patterns or header_name; leave route out to take the default action",
        ),
        (
            FleetRoute(priority=5, header_name="x-model"),
            "route: header_name and header_values go together; give both or neither",
        ),
    ],
)
def test_bad_routes_are_refused(endpoint, route, message):
    with pytest.raises(ValueError) as raised:
        endpoint.add_fleet(FleetTarget(name="bad", port=8000, health_check_path="/", route=route))
    assert str(raised.value) == message
