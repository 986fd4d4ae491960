"""An Application Load Balancer for inference fleets: one listener, a target group per fleet, listener rules for
fleets with a route (path or header), the fleet without one as the default, access logs to S3."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ultrafleet.constructs.closed_egress import close_default_egress
from ultrafleet.constructs.scanner_acks import acknowledge
from ultrafleet.spec.models import Inference

DEREGISTRATION_DELAY = Duration.seconds(60)
"""Long enough for in-flight generations to finish on a node being scaled in."""


class InferenceLoadBalancer(Construct):
    """The load balancer, its security group and listener.

    :param vpc: compute subnets (internal) or public subnets (internet-facing) hold it.
    :param internal: default True.
    :param certificate_arn: HTTPS on 443 with this ACM certificate; default: HTTP on 80 (internal only).
    :param logs_bucket: an SSE-S3 bucket for access logs (prefix ``alb/``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        internal: bool = True,
        certificate_arn: str | None = None,
        logs_bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
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
            vpc_subnets=ec2.SubnetSelection(subnet_group_name="compute" if internal else "nat"),
            drop_invalid_header_fields=True,
        )
        self.load_balancer.log_access_logs(logs_bucket, "alb")
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

    def add_fleet(self, name: str, settings: Inference) -> elbv2.ApplicationTargetGroup:
        """A target group for one fleet, reached through its route, or by default when it has none."""
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
        route = settings.route
        if route is None:
            self.listener.node.default_child.add_property_override(  # type: ignore[union-attr]
                "DefaultActions", [{"Type": "forward", "TargetGroupArn": group.target_group_arn}]
            )
        else:
            conditions = []
            if route.path_patterns:
                conditions.append(elbv2.ListenerCondition.path_patterns(route.path_patterns))
            if route.header_name:
                conditions.append(elbv2.ListenerCondition.http_header(route.header_name, route.header_values))
            elbv2.ApplicationListenerRule(
                self,
                f"{name}-route",
                listener=self.listener,
                priority=route.priority,
                conditions=conditions,
                action=elbv2.ListenerAction.forward([group]),
            )
        return group
