"""The network stack: a VPC across the spec's zones, private compute subnets sized by the plan, an S3 gateway
endpoint so checkpoint traffic never crosses a NAT gateway, and VPC flow logs."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from ultrafleet.constructs.logs_key import logs_key
from ultrafleet.planning.network import COMPUTE_SUBNET_GROUP, PUBLIC_SUBNET_GROUP, PUBLIC_SUBNET_PREFIX, SubnetPlan
from ultrafleet.spec.models import ExistingVpc, Spec

FLOW_LOG_RETENTION = logs.RetentionDays.ONE_YEAR
NO_ROUTE_TABLE = Acknowledgment(
    id="Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId",
    reason="An existing VPC's subnets are imported by id only: ultrafleet adds no route and no gateway endpoint to "
    "a VPC it does not own (validation requires network.s3_gateway_endpoint: false with existing_vpc), so nothing "
    "reads their route tables; the flow logs and node groups need only the subnet ids",
)
"""The CDK warns on every subnet imported without a route table id (aws-ec2 ImportedSubnet)."""


class NetworkStack(Stack):
    """Owns the VPC; fleet and storage stacks receive ``self.vpc`` as an ``ec2.IVpc``."""

    def __init__(self, scope: Construct, construct_id: str, *, spec: Spec, subnets: SubnetPlan, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._compute_subnets: dict[tuple[str, ...], list[str]] = {}
        net = spec.network
        if net.existing_vpc:
            self.vpc = existing_vpc(self, net.existing_vpc)
            self._subnet_flow_logs(net.existing_vpc)
            return
        subnet_configuration = [
            ec2.SubnetConfiguration(
                name=COMPUTE_SUBNET_GROUP,
                subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS if net.nat_gateways else ec2.SubnetType.PRIVATE_ISOLATED,
                cidr_mask=subnets.private_prefix,
            )
        ]
        if net.nat_gateways:
            subnet_configuration.insert(
                0,
                ec2.SubnetConfiguration(
                    name=PUBLIC_SUBNET_GROUP,
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
            gateway_endpoints={"S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)}
            if net.s3_gateway_endpoint
            else None,
            restrict_default_security_group=net.restrict_default_security_group,
        )
        self.vpc.add_flow_log("FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(self._flow_logs()))

    def compute_subnet_ids(self, zones: Sequence[str]) -> list[str]:
        """The ids of the compute subnets in ``zones``, selected once per set of zones: a selection is seven round
        trips to jsii, and every fleet in the same zones shares the answer (docs/speed.md)."""
        key = tuple(zones)
        if key not in self._compute_subnets:
            selection = self.vpc.select_subnets(subnet_group_name=COMPUTE_SUBNET_GROUP, availability_zones=list(key))
            self._compute_subnets[key] = selection.subnet_ids
        return self._compute_subnets[key]

    def _flow_logs(self) -> logs.LogGroup:
        """The flow logs' group, encrypted with a key of its own. Its name is generated (naming it would replace
        it), so the key serves any log group of the account in this region through CloudWatch Logs; no other
        principal gains anything."""
        key = logs_key(self, "FlowLogsKey", log_group_names="*", description="ultrafleet: encrypts VPC flow logs")
        return logs.LogGroup(
            self, "FlowLogs", retention=FLOW_LOG_RETENTION, removal_policy=RemovalPolicy.RETAIN, encryption_key=key
        )

    def _subnet_flow_logs(self, vpc: ExistingVpc) -> None:
        """Flow logs of the subnets ultrafleet's nodes use, in ultrafleet's own log group: the VPC is someone
        else's (and keeps its own logging), the traffic of these nodes is audited either way."""
        destination = ec2.FlowLogDestination.to_cloud_watch_logs(self._flow_logs())
        for ids in vpc.subnet_ids_by_zone.values():
            for subnet_id in ids:
                subnet = ec2.Subnet.from_subnet_attributes(self, f"Subnet-{subnet_id}", subnet_id=subnet_id)
                Validations.of(subnet).acknowledge(NO_ROUTE_TABLE)
                ec2.FlowLog(
                    self,
                    f"FlowLog-{subnet_id}",
                    resource_type=ec2.FlowLogResourceType.from_subnet(subnet),
                    destination=destination,
                )


def existing_vpc(scope: Construct, vpc: ExistingVpc) -> ec2.IVpc:
    """The spec's existing VPC, imported from its given ids (no lookup: synth stays offline). Its subnets form the
    "compute" group the fleet and storage stacks select from; ultrafleet creates nothing in it here (no NAT, no
    subnets: the VPC's owner runs those)."""
    zones = list(vpc.subnet_ids_by_zone)
    per_zone = len(vpc.subnet_ids_by_zone[zones[0]])
    imported = ec2.Vpc.from_vpc_attributes(
        scope,
        "Vpc",
        vpc_id=vpc.vpc_id,
        vpc_cidr_block=str(vpc.cidr),
        availability_zones=zones,
        private_subnet_ids=[vpc.subnet_ids_by_zone[z][i] for i in range(per_zone) for z in zones],
        private_subnet_names=[COMPUTE_SUBNET_GROUP] * per_zone,
    )
    for subnet in imported.private_subnets:
        Validations.of(subnet).acknowledge(NO_ROUTE_TABLE)
    return imported
