"""The fleet stack: EFA launch templates for every EFA type, placement, capacity modes, IMDSv2, IAM."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from conftest import build_stacks, fleet_template
from ultrafleet import catalog
from ultrafleet.constructs.closed_egress import NO_TRAFFIC

EFA_TYPES = sorted(n for n, t in catalog.instance_types().items() if t.efa_supported)
ULTRASERVER_OF = {"p6e-gb200.36xlarge": "u-p6e-gb200x36", "trn2u.48xlarge": "u-trn2x64"}
BLOCK = {"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0"}


def fleet_name(itype: str) -> str:
    return "t-" + itype.replace(".", "-")


def _every_type_spec():
    fleets = []
    for itype in EFA_TYPES:
        if itype in ULTRASERVER_OF:
            fleets.append(
                {
                    "name": fleet_name(itype),
                    "role": "training",
                    "ultraserver_type": ULTRASERVER_OF[itype],
                    "ultraserver_count": 1,
                    "capacity": BLOCK,
                }
            )
        else:
            fleets.append({"name": fleet_name(itype), "role": "training", "instance_type": itype, "count": 2})
    return {"name": "every", "region": "us-east-1", "availability_zones": ["us-east-1a"], "fleets": fleets}


def _modes_spec():
    def f(name, **extra):
        return {"name": name, "role": "training", "instance_type": "p5.48xlarge", "count": 2, **extra}

    return {
        "name": "modes",
        "region": "us-east-1",
        "availability_zones": ["us-east-1a", "us-east-1b"],
        "fleets": [
            f("ondemand"),
            f("reserved", capacity={"type": "capacity-reservation", "reservation_id": "cr-0aaaaaaaaaaaaaaa1"}),
            f("block", capacity={"type": "capacity-block", "reservation_id": "cr-0bbbbbbbbbbbbbbb2"}),
            f("existing-pg", placement={"existing_group_name": "team-ultracluster-1"}),
            f("partitioned", placement={"strategy": "partition", "partition_count": 3}),
            {
                "name": "spot",
                "role": "inference",
                "instance_type": "g6e.xlarge",
                "count": 3,
                "availability_zones": ["us-east-1a", "us-east-1b"],
                "capacity": {"type": "spot"},
            },
            {
                "name": "custom-ami",
                "role": "training",
                "instance_type": "p5.48xlarge",
                "count": 1,
                "ami": {"id": "ami-0123456789abcdef0", "architecture": "x86_64"},
            },
        ],
    }


@pytest.fixture(scope="module")
def every_type() -> Template:
    return fleet_template(build_stacks(_every_type_spec()))


@pytest.fixture(scope="module")
def modes() -> Template:
    return fleet_template(build_stacks(_modes_spec()))


def launch_templates(template: Template) -> dict[str, dict]:
    """Launch template data by fleet name (from the instance tags)."""
    out = {}
    for resource in template.find_resources("AWS::EC2::LaunchTemplate").values():
        data = resource["Properties"]["LaunchTemplateData"]
        tags = {t["Key"]: t["Value"] for t in data["TagSpecifications"][0]["Tags"]}
        out[tags["ultrafleet:fleet"]] = data
    return out


def _tags(resource: dict) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource["Properties"].get("Tags", [])}


def resource_of(template: Template, rtype: str, fleet: str) -> dict:
    """The one resource of a type carrying the fleet's ultrafleet:fleet tag."""
    found = {k: v for k, v in template.find_resources(rtype).items() if _tags(v).get("ultrafleet:fleet") == fleet}
    assert len(found) == 1, (rtype, fleet, list(found))
    return next(iter(found.values()))


def asg_of(template: Template, fleet: str) -> dict:
    return resource_of(template, "AWS::AutoScaling::AutoScalingGroup", fleet)["Properties"]


@pytest.mark.parametrize("itype", EFA_TYPES)
def test_every_efa_type_reaches_its_catalog_maximum(every_type, itype):
    interfaces = launch_templates(every_type)[fleet_name(itype)]["NetworkInterfaces"]
    efa = [i for i in interfaces if i["InterfaceType"] == "efa-only"]
    assert len(efa) == catalog.get(itype).max_efa_interfaces
    assert interfaces[0]["NetworkCardIndex"] == 0 and interfaces[0]["DeviceIndex"] == 0
    assert interfaces[0]["InterfaceType"] == "interface"
    for i in efa:
        assert i["DeviceIndex"] == (1 if i["NetworkCardIndex"] == 0 else 0)
    for i in interfaces:
        assert i["AssociatePublicIpAddress"] is False
        assert len(i["Groups"]) == 2  # node group + EFA group on every interface


def test_p5_interface_list_is_exactly_awss_example(every_type):
    interfaces = launch_templates(every_type)["t-p5-48xlarge"]["NetworkInterfaces"]
    got = [(i["NetworkCardIndex"], i["DeviceIndex"], i["InterfaceType"]) for i in interfaces]
    assert got == [(0, 0, "interface"), (0, 1, "efa-only")] + [(c, 0, "efa-only") for c in range(1, 32)]


@pytest.mark.parametrize("itype", ["p6-b300.48xlarge", "p6e-gb200.36xlarge"])
def test_no_efa_on_ena_only_card_zero(every_type, itype):
    interfaces = launch_templates(every_type)[fleet_name(itype)]["NetworkInterfaces"]
    got = [(i["NetworkCardIndex"], i["DeviceIndex"], i["InterfaceType"]) for i in interfaces]
    assert got == [(0, 0, "interface")] + [(c, 0, "efa-only") for c in range(1, 17)]


def test_efa_security_group_allows_all_traffic_both_ways_with_itself(every_type):
    ingress = every_type.find_resources("AWS::EC2::SecurityGroupIngress")
    egress = every_type.find_resources("AWS::EC2::SecurityGroupEgress")
    assert len(ingress) == len(egress) == len(EFA_TYPES)
    for rule in ingress.values():
        p = rule["Properties"]
        assert (p["IpProtocol"], p["GroupId"]) == ("-1", p["SourceSecurityGroupId"])
    for rule in egress.values():
        p = rule["Properties"]
        assert (p["IpProtocol"], p["GroupId"]) == ("-1", p["DestinationSecurityGroupId"])
    # Both rules are separate resources, so without an inline rule EC2 would add allow-all egress beside them
    # (CloudFormation's AWS::EC2::SecurityGroup reference); the CDK's no-traffic placeholder prevents that.
    efa = every_type.find_resources(
        "AWS::EC2::SecurityGroup",
        {"Properties": {"GroupDescription": Match.string_like_regexp("EFA between members$")}},
    )
    assert len(efa) == len(EFA_TYPES)
    for group in efa.values():
        assert group["Properties"]["SecurityGroupEgress"] == [NO_TRAFFIC]


def test_node_group_allows_only_https_out(every_type):
    every_type.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "SecurityGroupEgress": [
                {"CidrIp": "0.0.0.0/0", "FromPort": 443, "ToPort": 443, "IpProtocol": "tcp", "Description": "HTTPS out"}
            ],
        },
    )
    for group in every_type.find_resources("AWS::EC2::SecurityGroup").values():
        assert "SecurityGroupIngress" not in group["Properties"]


def test_imdsv2_encrypted_root_and_instance_profile_on_every_template(every_type):
    for data in launch_templates(every_type).values():
        assert data["MetadataOptions"] == {
            "HttpEndpoint": "enabled",
            "HttpPutResponseHopLimit": 2,
            "HttpTokens": "required",
        }
        assert data["BlockDeviceMappings"] == [
            {
                "DeviceName": "/dev/sda1",
                "Ebs": {"DeleteOnTermination": True, "Encrypted": True, "VolumeSize": 200, "VolumeType": "gp3"},
            }
        ]
        assert "Arn" in data["IamInstanceProfile"]
        assert "SecurityGroupIds" not in data


@pytest.mark.parametrize(
    ("itype", "parameter"),
    [
        (
            "p6-b200.48xlarge",
            "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id",
        ),
        (
            "p6e-gb200.36xlarge",
            "/aws/service/deeplearning/ami/arm64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id",
        ),
        ("trn2.48xlarge", "/aws/service/neuron/dlami/multi-framework/ubuntu-24.04/latest/image_id"),
    ],
)
def test_dlami_resolved_from_ssm_at_deploy_time(every_type, itype, parameter):
    image = launch_templates(every_type)[fleet_name(itype)]["ImageId"]
    params = every_type.to_json()["Parameters"]
    assert params[image["Ref"]] == {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "Default": parameter}


def test_explicit_ami_id_is_used_as_is(modes):
    assert launch_templates(modes)["custom-ami"]["ImageId"] == "ami-0123456789abcdef0"


def test_on_demand_fleet_in_its_own_cluster_placement_group(modes):
    asg = asg_of(modes, "ondemand")
    pg = resource_of(modes, "AWS::EC2::PlacementGroup", "ondemand")
    assert (pg["Properties"]["Strategy"], "PartitionCount" in pg["Properties"]) == ("cluster", False)
    assert asg["PlacementGroup"]["Fn::GetAtt"][1] == "GroupName"
    assert modes.find_resources("AWS::EC2::PlacementGroup")[asg["PlacementGroup"]["Fn::GetAtt"][0]] == pg
    assert (asg["MinSize"], asg["MaxSize"], asg["DesiredCapacity"]) == ("2", "2", "2")
    assert "CapacityReservationSpecification" not in asg
    assert "InstanceMarketOptions" not in launch_templates(modes)["ondemand"]


def test_capacity_reservation_is_targeted_and_exclusive(modes):
    asg = asg_of(modes, "reserved")
    assert asg["CapacityReservationSpecification"] == {
        "CapacityReservationPreference": "capacity-reservations-only",
        "CapacityReservationTarget": {"CapacityReservationIds": ["cr-0aaaaaaaaaaaaaaa1"]},
    }
    assert asg["InstanceMaintenancePolicy"] == {"MinHealthyPercentage": 90, "MaxHealthyPercentage": 100}


def test_capacity_block_uses_market_type_and_no_placement_group(modes):
    data = launch_templates(modes)["block"]
    assert data["InstanceMarketOptions"] == {"MarketType": "capacity-block"}
    assert data["CapacityReservationSpecification"] == {
        "CapacityReservationTarget": {"CapacityReservationId": "cr-0bbbbbbbbbbbbbbb2"}
    }
    assert "PlacementGroup" not in asg_of(modes, "block")


def test_existing_and_partition_placement_groups(modes):
    assert asg_of(modes, "existing-pg")["PlacementGroup"] == "team-ultracluster-1"
    pg = resource_of(modes, "AWS::EC2::PlacementGroup", "partitioned")
    assert (pg["Properties"]["Strategy"], pg["Properties"]["PartitionCount"]) == ("partition", 3)
    # ondemand, reserved, partitioned, custom-ami; none for the Capacity Block, existing group or Spot fleets
    assert len(modes.find_resources("AWS::EC2::PlacementGroup")) == 4


def test_spot_inference_fleet_is_all_spot_with_rebalancing_across_zones(modes):
    asg = asg_of(modes, "spot")
    assert asg["CapacityRebalance"] is True
    assert asg["MixedInstancesPolicy"]["InstancesDistribution"] == {
        "OnDemandBaseCapacity": 0,
        "OnDemandPercentageAboveBaseCapacity": 0,
        "SpotAllocationStrategy": "price-capacity-optimized",
    }
    assert len(asg["VPCZoneIdentifier"]) == 2
    assert "PlacementGroup" not in asg


def test_health_checks_replace_failed_nodes(modes):
    asg = asg_of(modes, "ondemand")
    assert (asg["HealthCheckType"], asg["HealthCheckGracePeriod"]) == ("EC2", 900)
    assert asg["InstanceMaintenancePolicy"] == {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 110}


def test_one_role_per_fleet_with_no_wildcard_admin(modes):
    roles = {
        lid: r
        for lid, r in modes.find_resources("AWS::IAM::Role").items()
        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    }
    assert len(roles) == 7
    for role in roles.values():
        arns = role["Properties"]["ManagedPolicyArns"]
        aws_managed = [a["Fn::Join"][1][-1] for a in arns if "Fn::Join" in a]
        assert aws_managed == [
            ":iam::aws:policy/AmazonSSMManagedInstanceCore",
            ":iam::aws:policy/CloudWatchAgentServerPolicy",
        ]
        training = {"Key": "ultrafleet:role", "Value": "training"} in role["Properties"]["Tags"]
        # training fleets also get their checkpoint policy, owned by the storage stack
        assert len([a for a in arns if "Fn::ImportValue" in a]) == (1 if training else 0)
    # Inline policies only for node health and the Capacity Block resizer, each on named resources, never "*"
    allowed = {
        "autoscaling:SetInstanceHealth",
        "autoscaling:CompleteLifecycleAction",
        "autoscaling:RecordLifecycleActionHeartbeat",
        "cloudwatch:DescribeAlarms",
        "autoscaling:UpdateAutoScalingGroup",
        "states:StartExecution",
    }
    for policy in modes.find_resources("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert set(actions) <= allowed and statement["Resource"] != "*", statement


def test_fleet_subnets_come_from_the_network_stack(modes):
    zones = asg_of(modes, "ondemand")["VPCZoneIdentifier"]
    assert len(zones) == 1
    assert "Fn::ImportValue" in zones[0]


def test_every_fleet_resource_is_tagged_with_its_fleet(modes):
    modes.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup",
        {"Tags": Match.array_with([{"Key": "ultrafleet:fleet", "PropagateAtLaunch": True, "Value": "reserved"}])},
    )
