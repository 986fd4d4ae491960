"""Inference fleets: serving settings only on inference fleets, sizes that agree, routes one load balancer can
hold, and a listener AWS accepts."""

from __future__ import annotations

from ultrafleet.findings import Finding, error
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import Role, Spec


def _fleet(fleet: ResolvedFleet) -> list[Finding]:
    spec, path = fleet.spec, f"{fleet.path}.inference"
    if spec.inference is None:
        return []
    if spec.role is not Role.INFERENCE:
        return [error("UF-INF-001", path, "only applies to role inference; remove it or set role: inference")]
    inf, out = spec.inference, []
    low, high = inf.min_size if inf.min_size is not None else fleet.instances, inf.max_size or fleet.instances
    if not low <= fleet.instances <= high:
        out.append(
            error(
                "UF-INF-002",
                path,
                f"min_size {low} <= count {fleet.instances} <= max_size {high} does not "
                "hold; count is the desired size between them",
            )
        )
    if inf.route and not (inf.route.path_patterns or inf.route.header_name):
        out.append(error("UF-INF-003", f"{path}.route", "needs path_patterns or header_name (with header_values)"))
    if inf.route and bool(inf.route.header_name) != bool(inf.route.header_values):
        out.append(error("UF-INF-003", f"{path}.route", "header_name and header_values go together"))
    if spec.capacity.type == "spot" and inf.spot_percent:
        out.append(
            error(
                "UF-INF-004",
                f"{path}.spot_percent",
                f"{inf.spot_percent}: the fleet is all Spot already "
                "(capacity.type spot); use on-demand capacity with spot_percent for a mix",
            )
        )
    return out


def check(spec: Spec, fleets: list[ResolvedFleet]) -> list[Finding]:
    out = [f for fleet in fleets for f in _fleet(fleet)]
    serving = [f for f in fleets if f.spec.role is Role.INFERENCE]
    default = [f.spec.name for f in serving if not (f.spec.inference and f.spec.inference.route)]
    if len(default) > 1:
        out.append(
            error(
                "UF-INF-005",
                "fleets",
                f"inference fleets {', '.join(default)} all lack a route; one fleet "
                "may take the remaining requests, give the others inference.route",
            )
        )
    priorities = [f.spec.inference.route.priority for f in serving if f.spec.inference and f.spec.inference.route]
    if len(priorities) != len(set(priorities)):
        out.append(error("UF-INF-006", "fleets", f"route priorities {sorted(priorities)} repeat; each must be unique"))
    if serving and not spec.load_balancer.internal and not spec.load_balancer.certificate_arn:
        out.append(
            error(
                "UF-INF-007",
                "load_balancer.certificate_arn",
                "is required for an internet-facing load "
                "balancer (plain HTTP is allowed only inside the VPC); give an ACM certificate ARN",
            )
        )
    if serving and not spec.load_balancer.internal and spec.network.nat_gateways == 0:
        out.append(
            error(
                "UF-INF-008",
                "load_balancer.internal",
                "false needs public subnets, which the network "
                "has only with nat_gateways >= 1; keep it internal or add a NAT gateway",
            )
        )
    return out
