"""The inference tier: load balancer, listener and routes, target groups, scaling, warm pool, Spot mix, rolling
refresh, and the fleets' ingress from the load balancer only."""

from __future__ import annotations

import json

import pytest
import yaml
from aws_cdk.assertions import Match, Template
from test_validation import findings_of

from conftest import ROOT, build_stacks, fleet, spec_dict


@pytest.fixture(scope="module")
def serving():
    return build_stacks(yaml.safe_load((ROOT / "specs/inference.yaml").read_text()))


def test_internal_alb_with_access_logs_and_no_invalid_headers(serving):
    t = Template.from_stack(serving.inference)
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "Scheme": "internal",
            "Type": "application",
            "LoadBalancerAttributes": Match.array_with(
                [
                    {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
                    {"Key": "access_logs.s3.enabled", "Value": "true"},
                    {"Key": "access_logs.s3.prefix", "Value": "alb"},
                ]
            ),
        },
    )
    groups = t.find_resources("AWS::EC2::SecurityGroup")
    (ingress,) = [g["Properties"]["SecurityGroupIngress"] for g in groups.values()]
    assert [(r["FromPort"], r["ToPort"], "Fn::ImportValue" in json.dumps(r["CidrIp"])) for r in ingress] == [
        (80, 80, True)
    ]


def test_routes_and_default(serving):
    t = Template.from_stack(serving.inference)
    listener = next(iter(t.find_resources("AWS::ElasticLoadBalancingV2::Listener").values()))["Properties"]
    assert (listener["Port"], listener["Protocol"]) == (80, "HTTP")
    assert listener["DefaultActions"][0]["Type"] == "forward"  # g7e-main, the fleet without a route
    (rule,) = t.find_resources("AWS::ElasticLoadBalancingV2::ListenerRule").values()
    assert rule["Properties"]["Priority"] == 10
    assert rule["Properties"]["Conditions"] == [
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Model-Tier", "Values": ["small"]}}
    ]


def test_target_groups_health_check_the_model_server(serving):
    t = Template.from_stack(serving.inference)
    t.resource_count_is("AWS::ElasticLoadBalancingV2::TargetGroup", 2)
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "Port": 8000,
            "Protocol": "HTTP",
            "TargetType": "instance",
            "HealthCheckPath": "/health",
            "Matcher": {"HttpCode": "200"},
            "TargetGroupAttributes": Match.array_with([{"Key": "deregistration_delay.timeout_seconds", "Value": "60"}]),
        },
    )


def group(serving, name) -> dict:
    t = Template.from_stack(serving.fleets[name])
    (resource,) = t.find_resources("AWS::AutoScaling::AutoScalingGroup").values()
    return resource


def test_gpu_scaled_fleet_with_spot_share_and_rolling_refresh(serving):
    g7e = group(serving, "g7e-main")
    p = g7e["Properties"]
    assert (p["MinSize"], p["MaxSize"], p["DesiredCapacity"], p["HealthCheckType"]) == ("2", "8", "4", "ELB")
    assert p["MixedInstancesPolicy"]["InstancesDistribution"] == {
        "OnDemandBaseCapacity": 2,
        "OnDemandPercentageAboveBaseCapacity": 50,
        "SpotAllocationStrategy": "price-capacity-optimized",
    }
    assert p["CapacityRebalance"] is True
    assert g7e["UpdatePolicy"]["AutoScalingRollingUpdate"]["MinInstancesInService"] == 2
    t = Template.from_stack(serving.fleets["g7e-main"])
    t.has_resource_properties(
        "AWS::AutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": {
                "TargetValue": 70,
                "CustomizedMetricSpecification": Match.object_like(
                    {"MetricName": "nvidia_smi_utilization_gpu", "Namespace": "CWAgent", "Statistic": "Average"}
                ),
            },
        },
    )


def test_request_scaled_spot_tier_with_warm_pool(serving):
    t = Template.from_stack(serving.fleets["g6e-spot"])
    policy = next(iter(t.find_resources("AWS::AutoScaling::ScalingPolicy").values()))["Properties"]
    spec = policy["TargetTrackingConfiguration"]["PredefinedMetricSpecification"]
    assert (policy["TargetTrackingConfiguration"]["TargetValue"], spec["PredefinedMetricType"]) == (
        200,
        "ALBRequestCountPerTarget",
    )
    assert "Fn::Join" in json.dumps(spec["ResourceLabel"])  # <load balancer full name>/<target group full name>
    t.resource_count_is("AWS::AutoScaling::WarmPool", 0)  # EC2 Auto Scaling refuses one on a Spot group


def test_on_demand_fleet_with_warm_pool():
    stacks = build_stacks(
        spec_dict(fleets=[fleet(role="inference", instance_type="g6e.xlarge", inference={"warm_pool_min_size": 2})])
    )
    t = Template.from_stack(stacks.fleets["train"])
    t.has_resource_properties("AWS::AutoScaling::WarmPool", {"MinSize": 2, "PoolState": "Stopped"})
    (group,) = t.find_resources("AWS::AutoScaling::AutoScalingGroup").values()
    assert "MixedInstancesPolicy" not in group["Properties"] and "LaunchTemplate" in group["Properties"]


def test_fleet_accepts_traffic_only_from_the_load_balancer(serving):
    t = Template.from_stack(serving.fleets["g7e-main"])
    (rule,) = t.find_resources("AWS::EC2::SecurityGroupIngress").values()
    p = rule["Properties"]
    assert (p["IpProtocol"], p["FromPort"], p["ToPort"]) == ("tcp", 8000, 8000)
    assert "Fn::ImportValue" in json.dumps(p["SourceSecurityGroupId"])


def test_training_fleets_have_no_load_balancer_wiring(reference_stacks):
    p = group(reference_stacks, "pretrain-b200")["Properties"]
    assert "TargetGroupARNs" not in p and p["HealthCheckType"] == "EC2"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            spec_dict(fleets=[fleet(inference={"port": 8000})]),
            "error UF-INF-001 fleets[0].inference: only applies to role inference; remove it or set role: inference",
        ),
        (
            spec_dict(
                fleets=[
                    fleet(
                        role="inference",
                        instance_type="g7e.4xlarge",
                        count=10,
                        inference={"min_size": 2, "max_size": 8},
                    )
                ]
            ),
            "error UF-INF-002 fleets[0].inference: min_size 2 <= count 10 <= max_size 8 does not hold; "
            "count is the desired size between them",
        ),
        (
            spec_dict(
                fleets=[
                    fleet(name="tier-a", role="inference", instance_type="g7e.4xlarge"),
                    fleet(name="tier-b", role="inference", instance_type="g7e.4xlarge"),
                ]
            ),
            "error UF-INF-005 fleets: inference fleets tier-a, tier-b all lack a route; "
            "one fleet may take the remaining requests, give the others inference.route",
        ),
        (
            spec_dict(load_balancer={"internal": False}, fleets=[fleet(role="inference", instance_type="g7e.4xlarge")]),
            "error UF-INF-007 load_balancer.certificate_arn: is required for an internet-facing load balancer "
            "(plain HTTP is allowed only inside the VPC); give an ACM certificate ARN",
        ),
        (
            spec_dict(
                fleets=[
                    fleet(
                        role="inference",
                        instance_type="g6e.xlarge",
                        capacity={"type": "spot"},
                        inference={"spot_percent": 50},
                    )
                ]
            ),
            "error UF-INF-004 fleets[0].inference.spot_percent: 50: the fleet is all Spot already "
            "(capacity.type spot); use on-demand capacity with spot_percent for a mix",
        ),
    ],
)
def test_inference_validation(data, expected):
    assert findings_of(data) == [expected]
