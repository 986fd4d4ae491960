"""The reference spec's real cloud assembly deployed into moto (with ultrafleet's extensions), then checked
through boto3 describe/get calls, not through the template."""

from __future__ import annotations

import json

import pytest

from ultrafleet.testing.harness import MotoCloud


@pytest.fixture(scope="module")
def cloud(cli_assemblies):
    with MotoCloud() as cloud:
        cloud.deployed = cloud.deploy_assembly(cli_assemblies["reference"])
        yield cloud


def physical(cloud, stack: str, resource_type: str) -> list[str]:
    rows = cloud.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return [r["PhysicalResourceId"] for r in rows if r["ResourceType"] == resource_type]


def test_every_stack_deployed_with_every_resource(cloud, cli_synth):
    for name, template in cli_synth["reference"].items():
        assert sorted(cloud.deployed[name].resources) == sorted(template["Resources"])


def fleet_launch_template(cloud, fleet: str) -> dict:
    ec2 = cloud.client("ec2")
    for lt_id in physical(cloud, f"frontier-fleet-{fleet}", "AWS::EC2::LaunchTemplate"):
        data = ec2.describe_launch_template_versions(LaunchTemplateId=lt_id)["LaunchTemplateVersions"][0]
        data = data["LaunchTemplateData"]
        tags = {t["Key"]: t["Value"] for t in data["TagSpecifications"][0]["Tags"]}
        if tags["ultrafleet:fleet"] == fleet:
            return data
    raise AssertionError(f"no launch template for {fleet}")


def test_launch_template_interfaces_as_deployed(cloud):
    data = fleet_launch_template(cloud, "pretrain-b200")
    got = [(i["NetworkCardIndex"], i["DeviceIndex"], i["InterfaceType"]) for i in data["NetworkInterfaces"]]
    assert got == [(0, 0, "interface"), (0, 1, "efa-only")] + [(c, 0, "efa-only") for c in range(1, 8)]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["InstanceMarketOptions"] == {"MarketType": "capacity-block"}
    gb200 = fleet_launch_template(cloud, "gb200-nvl72")
    assert [i["NetworkCardIndex"] for i in gb200["NetworkInterfaces"] if i["InterfaceType"] == "efa-only"] == list(
        range(1, 17)
    )


def test_dlami_resolved_at_deploy_time_from_ssm(cloud):
    data = fleet_launch_template(cloud, "pretrain-b200")
    assert data["ImageId"].startswith("ami-")


def test_placement_group_and_capacity_settings_as_deployed(cloud):
    groups = cloud.client("ec2").describe_placement_groups()["PlacementGroups"]
    assert {g["Strategy"] for g in groups} == {"cluster"}
    assert len(groups) == 1  # trn2-finetune; Capacity Block fleets and the multi-zone inference fleet have none
    asgs = {
        g["AutoScalingGroupName"]: g
        for g in cloud.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    }
    trn2 = next(
        g
        for g in asgs.values()
        if {"Key": "ultrafleet:fleet", "Value": "trn2-finetune"}
        in [{"Key": t["Key"], "Value": t["Value"]} for t in g["Tags"]]
    )
    assert trn2["PlacementGroup"] == groups[0]["GroupName"]
    assert trn2["CapacityReservationSpecification"] == {
        "CapacityReservationPreference": "capacity-reservations-only",
        "CapacityReservationTarget": {"CapacityReservationIds": ["cr-0123456789abcdef0"]},
    }
    assert (trn2["MinSize"], trn2["MaxSize"], trn2["DesiredCapacity"]) == (8, 8, 8)


NO_TRAFFIC = ("icmp", 252, 86, "255.255.255.255/32")
"""The placeholder that keeps EC2's allow-all default off a group whose real egress rules are separate resources."""


def deployed_rules(cloud) -> dict[str, dict[str, set]]:
    """Every security group the stacks created, by description: its whole rule set per direction, one
    (protocol, from port, to port, peer) per range or group pair, peers named by their group's description."""
    ids = {sid for name in cloud.deployed for sid in physical(cloud, name, "AWS::EC2::SecurityGroup")}
    groups = [g for g in cloud.client("ec2").describe_security_groups()["SecurityGroups"] if g["GroupId"] in ids]
    names = {g["GroupId"]: g["Description"] for g in groups}
    assert len(names) == len(ids) == len(set(names.values()))

    def flatten(permissions: list[dict]) -> set:
        rules = set()
        for p in permissions:
            key = (p["IpProtocol"], p.get("FromPort"), p.get("ToPort"))
            rules |= {(*key, r["CidrIp"]) for r in p.get("IpRanges", [])}
            rules |= {(*key, r["CidrIpv6"]) for r in p.get("Ipv6Ranges", [])}
            rules |= {(*key, r["PrefixListId"]) for r in p.get("PrefixListIds", [])}
            rules |= {(*key, names.get(r["GroupId"], r["GroupId"])) for r in p.get("UserIdGroupPairs", [])}
        return rules

    return {
        g["Description"]: {"in": flatten(g["IpPermissions"]), "out": flatten(g["IpPermissionsEgress"])} for g in groups
    }


def test_every_deployed_security_group_has_exactly_its_rules(cloud):
    """Whole rule sets, so a stray 0.0.0.0/0 (EC2's default egress on a group without inline egress) fails."""
    lb, server, client = (
        "ultrafleet inference load balancer",
        "FSx for Lustre: Lustre traffic from its clients",
        ("FSx for Lustre clients: Lustre traffic to the servers"),
    )
    expected = {}
    for fleet in ("pretrain-b200", "gb200-nvl72", "trn2-finetune"):
        efa = f"ultrafleet {fleet}: EFA between members"
        expected[efa] = {"in": {("-1", None, None, efa)}, "out": {("-1", None, None, efa), NO_TRAFFIC}}
    for fleet in ("pretrain-b200", "gb200-nvl72", "trn2-finetune", "serve-g7e"):
        node = f"ultrafleet {fleet}: HTTPS out to AWS APIs and package mirrors"
        expected[node] = {"in": set(), "out": {("tcp", 443, 443, "0.0.0.0/0")}}
    serve = "ultrafleet serve-g7e: HTTPS out to AWS APIs and package mirrors"
    expected[serve]["in"] = {("tcp", 8000, 8000, lb)}
    expected[lb] = {"in": {("tcp", 80, 80, "10.64.0.0/16")}, "out": {("tcp", 8000, 8000, serve), NO_TRAFFIC}}
    lustre = {("tcp", 988, 988), ("tcp", 1018, 1023)}
    expected[server] = {
        "in": {(*p, peer) for p in lustre for peer in (server, client)},
        "out": {(*p, server) for p in lustre} | {NO_TRAFFIC},
    }
    expected[client] = {"in": set(), "out": {(*p, server) for p in lustre} | {NO_TRAFFIC}}
    assert deployed_rules(cloud) == expected


def checkpoint_bucket(cloud) -> str:
    (name,) = [
        b
        for b in physical(cloud, "frontier-storage", "AWS::S3::Bucket")
        if "checkpoints" in b.lower() and "accesslogs" not in b.lower()
    ]
    return name


def test_checkpoint_bucket_as_deployed(cloud):
    s3 = cloud.client("s3")
    bucket = checkpoint_bucket(cloud)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 30,
        "NewerNoncurrentVersions": 3,
    }
    assert rules["transition-checkpoints"]["Transitions"] == [{"Days": 7, "StorageClass": "INTELLIGENT_TIERING"}]
    assert rules["abort-incomplete-multipart-uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["Statement"]
    )


def test_kms_key_rotation_as_deployed(cloud):
    kms = cloud.client("kms")
    (key_id,) = physical(cloud, "frontier-storage", "AWS::KMS::Key")
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True


def test_lustre_is_wired_to_the_deployed_network_and_bucket(cloud):
    """What the deploy resolves, not what the template states: the file system sits in the network stack's
    private subnet in the B200 fleet's zone, behind a server group that lets the client group in on the Lustre
    ports, the fleet's interfaces carry that client group, and the association exports to the checkpoint bucket
    the storage stack created."""
    fsx, ec2 = cloud.client("fsx"), cloud.client("ec2")
    (fs,) = fsx.describe_file_systems()["FileSystems"]
    (subnet,) = ec2.describe_subnets(SubnetIds=fs["SubnetIds"])["Subnets"]
    (vpc,) = physical(cloud, "frontier-network", "AWS::EC2::VPC")
    assert (subnet["VpcId"], subnet["AvailabilityZone"]) == (vpc, "us-east-1a")
    assert subnet["SubnetId"] in physical(cloud, "frontier-network", "AWS::EC2::Subnet")
    assert subnet["MapPublicIpOnLaunch"] is False
    groups = ec2.describe_security_groups()["SecurityGroups"]
    (server,) = [g for g in groups if g["Description"] == "FSx for Lustre: Lustre traffic from its clients"]
    assert server["VpcId"] == vpc
    sources = {
        (rule["FromPort"], rule["ToPort"]): {pair["GroupId"] for pair in rule["UserIdGroupPairs"]}
        for rule in server["IpPermissions"]
    }
    assert set(sources) == {(988, 988), (1018, 1023)}
    (client,) = [g for g in sources[(988, 988)] if g != server["GroupId"]]
    assert sources[(1018, 1023)] == {server["GroupId"], client}
    interfaces = fleet_launch_template(cloud, "pretrain-b200")["NetworkInterfaces"]
    assert all(client in i["Groups"] for i in interfaces)  # the fleet's nodes are Lustre clients
    (dra,) = fsx.describe_data_repository_associations()["Associations"]
    assert dra["FileSystemId"] == fs["FileSystemId"]
    bucket = checkpoint_bucket(cloud)
    cloud.client("s3").head_bucket(Bucket=bucket)
    assert dra["DataRepositoryPath"] == f"s3://{bucket}/checkpoints/"


def test_fleet_role_policies_as_deployed(cloud):
    iam = cloud.client("iam")
    roles = [
        r
        for r in iam.list_roles()["Roles"]
        if r["RoleName"].startswith("frontier-fleet-")
        and r["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    ]
    assert len(roles) == 4
    prefixes = []
    for role in roles:
        attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
        aws_managed = sorted(p["PolicyName"] for p in attached if ":aws:policy/" in p["PolicyArn"])
        assert aws_managed == ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"]
        inline = {}
        for name in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=name)["PolicyDocument"]
            inline[document["Statement"][0].get("Sid", "")] = [s["Action"] for s in document["Statement"]]
        # node health on the fleet's own group (tests/test_node_health.py) on every fleet role
        assert "autoscaling:SetInstanceHealth" in inline.pop("OwnGroupLifecycle")[0]
        if "gb200nvl72" in role["RoleName"]:  # IMEX peer discovery (docs/ultraservers.md)
            assert list(inline.values()) == [[["ec2:DescribeInstanceTopology", "ec2:DescribeInstances"]]]
        else:
            assert inline == {}
        for p in attached:
            if ":aws:policy/" in p["PolicyArn"]:
                continue
            version = iam.get_policy(PolicyArn=p["PolicyArn"])["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=p["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
            prefixes.append(document["Statement"][0]["Resource"].split("/checkpoints/")[1])
    assert sorted(prefixes) == ["gb200-nvl72/*", "pretrain-b200/*", "trn2-finetune/*"]


def test_load_balancer_and_scaling_as_deployed(cloud):
    elb = cloud.client("elbv2")
    (lb,) = elb.describe_load_balancers()["LoadBalancers"]
    assert (lb["Scheme"], lb["Type"]) == ("internal", "application")
    (listener,) = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    assert (listener["Port"], listener["Protocol"]) == (80, "HTTP")
    (group,) = elb.describe_target_groups()["TargetGroups"]
    assert (group["Port"], group["HealthCheckPath"]) == (8000, "/health")
    asg = cloud.client("autoscaling")
    (policy,) = asg.describe_policies()["ScalingPolicies"]
    config = policy["TargetTrackingConfiguration"]
    assert (policy["PolicyType"], config["TargetValue"]) == ("TargetTrackingScaling", 100.0)
    assert config["PredefinedMetricSpecification"]["ResourceLabel"].endswith(group["TargetGroupArn"].split(":", 5)[5])


def test_alarms_dashboard_and_log_groups_as_deployed(cloud):
    cw = cloud.client("cloudwatch")
    every = cw.describe_alarms()["MetricAlarms"]
    health = {"UnhealthyNodes", "NodesReplaced", "DrainIncomplete"}  # node health: tests/test_node_health.py
    alarms = [a for a in every if a["MetricName"] not in health]
    assert len(alarms) == 5 and len(every) == 5 + 2 * 4 + 3  # breaker and replaced per fleet, drain per NVMe fleet
    (topic,) = [t["TopicArn"] for t in cloud.client("sns").list_topics()["Topics"] if "observability" in t["TopicArn"]]
    assert all(a["AlarmActions"] == [topic] for a in every)
    assert {a["MetricName"] for a in alarms} == {"PendingCheckpoints", "UnHealthyHostCount", "GroupInServiceInstances"}
    body = json.loads(cw.get_dashboard(DashboardName="ultrafleet-frontier")["DashboardBody"])
    assert len(body["widgets"]) >= 12
    groups = cloud.client("logs").describe_log_groups(logGroupNamePrefix="/ultrafleet/frontier/")["logGroups"]
    assert sorted((g["logGroupName"], g["retentionInDays"]) for g in groups) == [
        (f"/ultrafleet/frontier/{f}", 90) for f in ("gb200-nvl72", "pretrain-b200", "serve-g7e", "trn2-finetune")
    ]


def test_checkpoint_1t_storage_deploys_with_its_directory_bucket(cloud, cli_synth):
    from ultrafleet.testing.moto_extensions.s3express_directory_bucket import directory_buckets

    deployed = cloud.deploy("ckpt1t-storage", cli_synth["checkpoint-1t"]["ckpt1t-storage"])
    (name,) = directory_buckets(cloud.account_id, cloud.region)
    assert name.endswith("--use1-az6--x-s3")  # us-east-1a's zone id for this account (cdk.json)
    assert name in deployed.resources.values()
