"""An Application Load Balancer for inference fleets: one listener, a target group per fleet, listener rules for
fleets with a route (path or header), the fleet without one as the default, access logs to S3."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ultrafleet.constructs.closed_egress import close_default_egress
from ultrafleet.constructs.scanner_acks import acknowledge

DEREGISTRATION_DELAY = Duration.seconds(60)
"""Long enough for in-flight generations to finish on a node being scaled in."""
RULE_PRIORITIES = (1, 50000)
"""A listener rule's priority range (ELB API Reference, CreateRule: Priority, 1-50000)."""


@dataclass(frozen=True, kw_only=True)
class LoadBalancerProps:
    vpc: ec2.IVpc
    vpc_subnets: ec2.SubnetSelection
    """Where the load balancer's nodes go: private subnets for an internal one, public for an internet-facing one."""
    logs_bucket: s3.IBucket
    """An SSE-S3 bucket for access logs (prefix ``alb/``)."""
    internal: bool
    """Reachable from the VPC's CIDR only (True) or from anywhere (False, which needs ``certificate_arn``)."""
    certificate_arn: str | None = None
    """HTTPS on 443 with this ACM certificate; default: HTTP on 80 (internal only)."""


@dataclass(frozen=True, kw_only=True)
class FleetRoute:
    """Which requests reach a fleet: a listener rule; at least one of the conditions."""

    priority: int
    path_patterns: Sequence[str] = ()
    """default: no path condition."""
    header_name: str | None = None
    """With ``header_values``; default: no header condition."""
    header_values: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class FleetTarget:
    """One fleet's target group behind the listener."""

    name: str
    """The fleet's name; construct ids ``<name>-targets`` and ``<name>-route``."""
    port: int
    """The model server's port on the instances."""
    health_check_path: str
    route: FleetRoute | None = None
    """default: the listener's default action forwards to this fleet."""


class InferenceLoadBalancer(Construct):
    """The load balancer, its security group and listener; ``add_fleet`` puts a fleet behind it."""

    def __init__(self, scope: Construct, construct_id: str, *, props: LoadBalancerProps) -> None:
        super().__init__(scope, construct_id)
        vpc, internal, certificate_arn = props.vpc, props.internal, props.certificate_arn
        if not internal and not certificate_arn:
            raise ValueError(
                "certificate_arn: required for an internet-facing load balancer (internal: False); "
                "HTTP on 80 is for internal ones only"
            )
        port = 443 if certificate_arn else 80
        # Its egress (to each fleet's model port) is added by the fleets as separate resources.
        self.security_group = close_default_egress(
            ec2.SecurityGroup(
                self, "Group", vpc=vpc, allow_all_outbound=False, description="ultrafleet inference load balancer"
            )
        )
        peer = ec2.Peer.ipv4(vpc.vpc_cidr_block) if internal else ec2.Peer.any_ipv4()
        self.security_group.add_ingress_rule(peer, ec2.Port.tcp(port), "clients of the inference endpoint")
        Validations.of(self.security_group).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-EC23",
                reason="internal: ingress is the VPC's own CIDR, a token the rule cannot resolve (and throws on)"
                if internal
                else "internet-facing by the spec (load_balancer.internal: false): HTTPS from anywhere is the point",
            )
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            internet_facing=not internal,
            security_group=self.security_group,
            vpc_subnets=props.vpc_subnets,
            drop_invalid_header_fields=True,
        )
        self.load_balancer.log_access_logs(props.logs_bucket, "alb")
        self.listener = self.load_balancer.add_listener(
            "Listener",
            port=port,
            open=False,
            protocol=elbv2.ApplicationProtocol.HTTPS if certificate_arn else elbv2.ApplicationProtocol.HTTP,
            certificates=[elbv2.ListenerCertificate.from_arn(certificate_arn)] if certificate_arn else None,
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS if certificate_arn else None,
            default_action=elbv2.ListenerAction.fixed_response(
                404, content_type="text/plain", message_body="no inference fleet for this request"
            ),
        )
        if not certificate_arn:  # validation allows HTTP only on an internal load balancer (UF-INF)
            reason = (
                "internal load balancer without load_balancer.certificate_arn in the spec: HTTP on 80, reachable only "
                "from the VPC's CIDR; set certificate_arn for HTTPS on 443 with the recommended TLS 1.2+ policy"
            )
            acknowledge(self.listener.node.default_child, checkov={"CKV_AWS_2": reason, "CKV_AWS_103": reason})
        self._vpc = vpc

    def add_fleet(self, target: FleetTarget) -> elbv2.ApplicationTargetGroup:
        """A target group for one fleet, reached through its route, or by default when it has none."""
        name, settings, route = target.name, target, target.route
        if route is not None:
            _check_route(route)
        group = elbv2.ApplicationTargetGroup(
            self,
            f"{name}-targets",
            vpc=self._vpc,
            port=settings.port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.INSTANCE,
            deregistration_delay=DEREGISTRATION_DELAY,
            health_check=elbv2.HealthCheck(
                path=settings.health_check_path,
                healthy_http_codes="200",
                interval=Duration.seconds(15),
                healthy_threshold_count=2,
            ),
        )
        if route is None:
            self.listener.node.default_child.add_property_override(  # type: ignore[union-attr]
                "DefaultActions", [{"Type": "forward", "TargetGroupArn": group.target_group_arn}]
            )
        else:
            conditions = []
            if route.path_patterns:
                conditions.append(elbv2.ListenerCondition.path_patterns(list(route.path_patterns)))
            if route.header_name:
                conditions.append(elbv2.ListenerCondition.http_header(route.header_name, list(route.header_values)))
            elbv2.ApplicationListenerRule(
                self,
                f"{name}-route",
                listener=self.listener,
                priority=route.priority,
                conditions=conditions,
                action=elbv2.ListenerAction.forward([group]),
            )
        return group


def _check_route(route: FleetRoute) -> None:
    low, high = RULE_PRIORITIES
    if not low <= route.priority <= high:
        raise ValueError(
            f"route.priority: {route.priority} is outside {low}-{high}; pick a free priority in that range"
        )
    if not route.path_patterns and not route.header_name:
        raise ValueError("route: needs path_patterns or header_name; leave route out to take the default action")
    if bool(route.header_name) != bool(route.header_values):
        raise ValueError("route: header_name and header_values go together; give both or neither")
