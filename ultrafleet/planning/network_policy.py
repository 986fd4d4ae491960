"""The effective network policy of each fleet, from the plan: what every interface of a node may send and receive.

Security groups on an interface add up (EC2 evaluates the union of their rules), and the launch template puts the
same groups on every interface of a node, so each interface's policy is the union of those groups' rules. Each
group's rules are stated here once, with the AWS page that requires them; the constructs build the same rules and
tests/test_network_policy.py proves, flow by flow, that the synthesized templates allow exactly these.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ultrafleet.planning.efa_layout import Interface
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.scheduler import scheduled
from ultrafleet.spec.models import EksScheduler, Inference, PcsScheduler, Role, Spec

LUSTRE_TCP_PORTS = ((988, 988), (1018, 1023))
"""source: FSx for Lustre User Guide, "File system access control with Amazon VPC" (limit-access-security-groups):
Lustre traffic is TCP 988 and 1018-1023, between the file system's servers and from its clients."""
HTTPS_PORT = 443


class Peer(StrEnum):
    """Who is at the other end of a flow."""

    EFA_MEMBERS = "efa-members"
    """The fleet's own nodes, through its EFA group (the group names itself)."""
    LUSTRE = "lustre"
    """The FSx for Lustre file system (its servers' group)."""
    LOAD_BALANCER = "load-balancer"
    """The inference Application Load Balancer (its group)."""
    CLUSTER = "cluster"
    """The scheduler cluster's security group (``scheduler.cluster_security_group_id``): its control plane's
    (EKS) or Slurm controller's (AWS PCS) interfaces and every node that carries the group."""
    ANYWHERE = "anywhere"
    """0.0.0.0/0: AWS's regional API endpoints and package mirrors, through the NAT gateway (S3 through the VPC's
    gateway endpoint)."""


@dataclass(frozen=True, kw_only=True, order=True)
class Flow:
    """One allowed flow. Security groups are stateful: replies to an allowed flow are allowed too."""

    direction: str
    """"inbound" or "outbound"."""
    protocol: str
    """"all" (every protocol and port) or "tcp"."""
    from_port: int | None
    """None with protocol "all"."""
    to_port: int | None
    peer: Peer


@dataclass(frozen=True, kw_only=True)
class GroupPolicy:
    """One security group on the fleet's interfaces: its flows, why, and the AWS page that asks for them."""

    name: str
    """"node", "cluster", "efa" or "lustre-client"."""
    flows: tuple[Flow, ...]
    why: str
    source: str
    existing_group_id: str | None = None
    """The id of a group ultrafleet attaches but does not create (the scheduler cluster's); its rules are not in
    ultrafleet's templates and ``flows`` are the ones AWS documents for it. Default: None, a group ultrafleet
    creates."""


@dataclass(frozen=True, kw_only=True)
class FleetPolicy:
    fleet: str
    groups: tuple[GroupPolicy, ...]
    interfaces: tuple[Interface, ...]
    """Every interface of a node; each carries every group above."""

    @property
    def flows(self) -> tuple[Flow, ...]:
        """The effective policy of each interface: the union of its groups' flows."""
        return tuple(sorted({f for g in self.groups for f in g.flows}))


def _tcp(direction: str, ports: tuple[int, int], peer: Peer) -> Flow:
    return Flow(direction=direction, protocol="tcp", from_port=ports[0], to_port=ports[1], peer=peer)


def _node_group(fleet: ResolvedFleet, *, behind_load_balancer: bool) -> GroupPolicy:
    flows = [_tcp("outbound", (HTTPS_PORT, HTTPS_PORT), Peer.ANYWHERE)]
    why = "AWS APIs (SSM, CloudWatch, S3, EC2) and package mirrors over HTTPS"
    source = "AWS service endpoints take HTTPS; SSM Agent and the CloudWatch agent call them from the node"
    if behind_load_balancer:
        port = (fleet.spec.inference or Inference()).port
        flows.append(_tcp("inbound", (port, port), Peer.LOAD_BALANCER))
        why += f"; requests and health checks from the load balancer on the model port {port}"
        source += (
            "; ELB User Guide, 'Security groups for your Application Load Balancer' "
            "(load-balancer-update-security-groups): targets accept the listener and health check port from the "
            "load balancer's group only"
        )
    return GroupPolicy(name="node", flows=tuple(flows), why=why, source=source)


EFA_GROUP = GroupPolicy(
    name="efa",
    flows=(
        Flow(direction="inbound", protocol="all", from_port=None, to_port=None, peer=Peer.EFA_MEMBERS),
        Flow(direction="outbound", protocol="all", from_port=None, to_port=None, peer=Peer.EFA_MEMBERS),
    ),
    why="EFA (NCCL, libfabric) traffic between the fleet's nodes; without the outbound rule NCCL hangs",
    source="EC2 User Guide, 'Prepare an EFA-enabled security group' (efa-start.html#efa-start-security): all "
    "inbound and all outbound traffic from and to the security group itself",
)
LUSTRE_CLIENT_GROUP = GroupPolicy(
    name="lustre-client",
    flows=tuple(_tcp("outbound", ports, Peer.LUSTRE) for ports in LUSTRE_TCP_PORTS),
    why="mounting and using the checkpoint file system",
    source="FSx for Lustre User Guide, 'File system access control with Amazon VPC' "
    "(limit-access-security-groups): TCP 988 and 1018-1023 between the clients and the file system",
)


_ALL = {"protocol": "all", "from_port": None, "to_port": None}
CLUSTER_GROUP_FLOWS = (
    Flow(direction="inbound", peer=Peer.CLUSTER, **_ALL),
    Flow(direction="outbound", peer=Peer.CLUSTER, **_ALL),
    Flow(direction="outbound", peer=Peer.ANYWHERE, **_ALL),
)
"""The cluster security group's rules, the same three on both schedulers: all traffic in from the group itself,
all out to it (EFA between the cluster's nodes) and all out to 0.0.0.0/0. EKS: the rules EKS gives the cluster
security group it creates (EKS User Guide, "View Amazon EKS security group requirements for clusters",
sec-group-reqs.html, "Default cluster security group"). AWS PCS: the user creates the group; these are the page's
"Example permissive security group configuration" (AWS PCS User Guide, "Security groups in AWS PCS",
working-with_networking_sg.html), the group PCS's getting-started template creates."""


def _cluster_group(scheduler: EksScheduler | PcsScheduler) -> GroupPolicy:
    """The scheduler cluster's own group, which ultrafleet puts on every interface and does not own."""
    if isinstance(scheduler, EksScheduler):
        why = (
            "kubelet, pods and the EKS control plane: with security groups in the launch template EKS does not "
            "add the cluster security group itself, so the template carries it"
        )
        source = (
            "EKS User Guide, 'View Amazon EKS security group requirements for clusters' (sec-group-reqs.html): "
            "the default cluster security group's rules, as EKS creates them; the cluster's owner may narrow them"
        )
    else:
        why = "slurmd and the PCS agent with the cluster's Slurm controller, whose interface carries the group"
        source = (
            "AWS PCS User Guide, 'Security groups in AWS PCS' (working-with_networking_sg.html): the example "
            "permissive security group configuration; the cluster's owner may use the page's restrictive one"
        )
    return GroupPolicy(
        name="cluster",
        flows=CLUSTER_GROUP_FLOWS,
        why=why + "; its outbound rule to 0.0.0.0/0 leaves these nodes' egress as open as the cluster's",
        source=source,
        existing_group_id=scheduler.cluster_security_group_id,
    )


def fleet_policy(spec: Spec, fleet: ResolvedFleet) -> FleetPolicy:
    """The groups the fleet stack puts on every interface, in the launch template's order: node, the scheduler
    cluster's group (scheduled fleets), Lustre clients (training fleets when the spec has Lustre), EFA (when the
    fleet uses it). Only inference fleets of ultrafleet's own Auto Scaling groups sit behind its load balancer;
    scheduled fleets get none (docs/schedulers.md)."""
    on_scheduler = scheduled(spec, fleet.spec)
    groups = [_node_group(fleet, behind_load_balancer=fleet.spec.role is Role.INFERENCE and not on_scheduler)]
    if on_scheduler:
        groups.append(_cluster_group(spec.scheduler))
    if fleet.spec.role is Role.TRAINING and spec.storage.lustre:
        groups.append(LUSTRE_CLIENT_GROUP)
    if fleet.efa:
        groups.append(EFA_GROUP)
    return FleetPolicy(fleet=fleet.spec.name, groups=tuple(groups), interfaces=fleet.layout)


def plan_network_policy(spec: Spec, fleets: list[ResolvedFleet]) -> list[FleetPolicy]:
    return [fleet_policy(spec, f) for f in fleets]
