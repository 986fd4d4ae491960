"""ELBv2 attributes through Fn::GetAtt that moto 5.2.5 lacks: every TargetGroup attribute (its model has none)
and the load balancer's LoadBalancerFullName and SecurityGroups (moto logs "not implemented" and yields
nothing). ALBRequestCountPerTarget scaling needs both full names."""

from __future__ import annotations

from typing import Any

from moto.elbv2.models import FakeLoadBalancer, FakeTargetGroup

TARGET_GROUP_ATTRIBUTES = ("TargetGroupFullName", "TargetGroupName", "TargetGroupArn", "LoadBalancerArns")
_original_lb_attribute = FakeLoadBalancer.get_cfn_attribute


def _tg_has_cfn_attr(cls: type[FakeTargetGroup], attr: str) -> bool:
    return attr in TARGET_GROUP_ATTRIBUTES


def _tg_get_cfn_attribute(self: FakeTargetGroup, attribute_name: str) -> Any:
    # arn:aws:elasticloadbalancing:region:account:targetgroup/name/id -> targetgroup/name/id
    return {
        "TargetGroupFullName": self.arn.split(":", 5)[5],
        "TargetGroupName": self.name,
        "TargetGroupArn": self.arn,
        "LoadBalancerArns": list(self.load_balancer_arns),
    }[attribute_name]


def _lb_get_cfn_attribute(self: FakeLoadBalancer, attribute_name: str) -> Any:
    if attribute_name == "LoadBalancerFullName":  # ...:loadbalancer/app/name/id -> app/name/id
        return self.arn.split(":loadbalancer/", 1)[1]
    if attribute_name == "SecurityGroups":
        return list(self.security_groups)
    return _original_lb_attribute(self, attribute_name)


def install() -> None:
    FakeTargetGroup.has_cfn_attr = classmethod(_tg_has_cfn_attr)  # type: ignore[assignment,method-assign]
    FakeTargetGroup.get_cfn_attribute = _tg_get_cfn_attribute  # type: ignore[attr-defined]
    FakeLoadBalancer.get_cfn_attribute = _lb_get_cfn_attribute  # type: ignore[method-assign]
