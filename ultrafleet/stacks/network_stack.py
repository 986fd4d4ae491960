"""The network stack: a VPC across the spec's zones, private compute subnets sized by the plan, an S3 gateway
endpoint so checkpoint traffic never crosses a NAT gateway, and VPC flow logs."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from ultrafleet.constructs.logs_key import logs_key
from ultrafleet.planning.network import PUBLIC_SUBNET_PREFIX, SubnetPlan
from ultrafleet.spec.models import Spec

FLOW_LOG_RETENTION = logs.RetentionDays.ONE_YEAR


class NetworkStack(Stack):
    """Owns the VPC; fleet and storage stacks receive ``self.vpc`` as an ``ec2.IVpc``."""

    def __init__(self, scope: Construct, construct_id: str, *, spec: Spec, subnets: SubnetPlan, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        net = spec.network
        subnet_configuration = [
            ec2.SubnetConfiguration(
                name="compute",
                subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS if net.nat_gateways else ec2.SubnetType.PRIVATE_ISOLATED,
                cidr_mask=subnets.private_prefix,
            )
        ]
        if net.nat_gateways:
            subnet_configuration.insert(
                0,
                ec2.SubnetConfiguration(
                    name="nat",
                    subnet_type=ec2.SubnetType.PUBLIC,
                    cidr_mask=PUBLIC_SUBNET_PREFIX,
                    map_public_ip_on_launch=False,
                ),
            )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(str(net.vpc_cidr)),
            availability_zones=spec.availability_zones,
            nat_gateways=net.nat_gateways,
            subnet_configuration=subnet_configuration,
            gateway_endpoints={"S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)},
            restrict_default_security_group=net.restrict_default_security_group,
        )
        # The flow log group's name is generated (naming it would replace it), so the key serves any log group
        # of the account in this region through CloudWatch Logs; no other principal gains anything.
        key = logs_key(self, "FlowLogsKey", log_group_names="*", description="ultrafleet: encrypts VPC flow logs")
        log_group = logs.LogGroup(
            self, "FlowLogs", retention=FLOW_LOG_RETENTION, removal_policy=RemovalPolicy.RETAIN, encryption_key=key
        )
        self.vpc.add_flow_log("FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group))
