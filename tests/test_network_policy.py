"""What each node may reach: every security group of every shipped spec, as synthesized."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, SPECS
from ultrafleet.constructs.closed_egress import NO_TRAFFIC
from ultrafleet.planning.fleets import resolve_all
from ultrafleet.planning.network_policy import Flow, Peer, plan_network_policy
from ultrafleet.rules.base import App
from ultrafleet.spec import load_spec


def test_no_group_of_any_shipped_spec_falls_back_to_ec2s_allow_all_egress(cli_synth):
    """A group rendered without inline SecurityGroupEgress gets EC2's allow-all egress (CloudFormation's
    AWS::EC2::SecurityGroup reference), whatever separate egress resources it has. Every group here is meant to be
    closed: inline egress is either its real rules (the nodes' HTTPS) or the no-traffic placeholder."""
    groups = 0
    for stem, templates in cli_synth.items():
        for stack, template in templates.items():
            for lid, res in template["Resources"].items():
                if res["Type"] != "AWS::EC2::SecurityGroup":
                    continue
                groups += 1
                inline = res["Properties"].get("SecurityGroupEgress")
                assert inline, f"{stem} {stack} {lid}: no inline egress, so EC2 allows all traffic out"
                assert all(r.get("CidrIp") != "0.0.0.0/0" or r["IpProtocol"] != "-1" for r in inline), lid
                if NO_TRAFFIC in inline:
                    assert inline == [NO_TRAFFIC], f"{lid}: the placeholder beside real inline rules"
    assert groups == 33  # reference 10 (3 EFA, 4 node, load balancer, Lustre servers and clients), starter 2,
    # inference 3 (2 node, load balancer), trainium 4, checkpoint-1t 2 (node, EFA), eks 5 and slurm-pcs 5 (3 node,
    # 2 EFA each; the cluster's group is the cluster's, not created here), landing-zone 2 (node, EFA)


ALL = {"protocol": "all", "from_port": None, "to_port": None}
CLUSTER_GROUP = {
    Flow(direction="inbound", peer=Peer.CLUSTER, **ALL),
    Flow(direction="outbound", peer=Peer.CLUSTER, **ALL),
    Flow(direction="outbound", peer=Peer.ANYWHERE, **ALL),
}
"""The scheduler cluster's group is not in any template (ultrafleet attaches it by id). Its rules as AWS documents
them: EKS's default cluster security group (EKS User Guide, sec-group-reqs.html) and the permissive example of
the AWS PCS User Guide (working-with_networking_sg.html) are the same three rules."""


def _flow(direction: str, rule: dict, own, peer_group, lustre: set, balancers: set, cluster=None) -> Flow | None:
    """A template rule as a Flow; None for the placeholder (it matches no traffic)."""
    ports = (None, None) if str(rule["IpProtocol"]) == "-1" else (rule["FromPort"], rule["ToPort"])
    protocol = "all" if str(rule["IpProtocol"]) == "-1" else rule["IpProtocol"]
    if rule.get("CidrIp") == NO_TRAFFIC["CidrIp"] and (protocol, *ports) == ("icmp", 252, 86):
        return None
    if rule.get("CidrIp") == "0.0.0.0/0":
        peer = Peer.ANYWHERE
    elif peer_group == own:
        peer = Peer.EFA_MEMBERS
    elif peer_group in lustre:
        peer = Peer.LUSTRE
    elif peer_group in balancers:
        peer = Peer.LOAD_BALANCER
    elif cluster and peer_group == cluster:
        peer = Peer.CLUSTER
    else:
        raise AssertionError(f"a rule to a peer the policy does not know: {rule}")
    return Flow(direction=direction, protocol=protocol, from_port=ports[0], to_port=ports[1], peer=peer)


def _group_flows(app: App, group, lustre: set, balancers: set, cluster=None) -> set[Flow]:
    """Every flow a group allows: its inline rules, its separate rule resources in any stack, and EC2's allow-all
    egress when it has no inline egress."""
    stack, lid, res = group
    own = (stack, lid)
    props = res["Properties"]
    flows = set()
    if not props.get("SecurityGroupEgress"):
        flows.add(Flow(direction="outbound", protocol="all", from_port=None, to_port=None, peer=Peer.ANYWHERE))
    for key, direction in (("SecurityGroupIngress", "inbound"), ("SecurityGroupEgress", "outbound")):
        for rule in props.get(key, []):
            flows.add(_flow(direction, rule, own, None, lustre, balancers))
    for s, _, r in app.resources():
        if r["Type"] not in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            continue
        p = r["Properties"]
        target = app.referenced(s, p["GroupId"])
        if not target or target[:2] != own:
            continue
        peer_id = p.get("SourceSecurityGroupId") or p.get("DestinationSecurityGroupId")
        peer = app.referenced(s, peer_id)
        peer_group = peer[:2] if peer else peer_id if isinstance(peer_id, str) else None  # an id: an existing group
        direction = "inbound" if r["Type"].endswith("Ingress") else "outbound"
        flows.add(_flow(direction, p, own, peer_group, lustre, balancers, cluster))
    return flows - {None}


def template_policy(templates: dict[str, dict], fleet_stack: str, cluster: str | None = None) -> dict[tuple, set[Flow]]:
    """{(card, device, type): the union of the flows of the groups on that interface}, read from templates.
    ``cluster``: the scheduler cluster's group id, the one group on an interface that no template creates."""
    app = App(templates=templates)
    lustre, balancers = set(), set()
    for s, _, r in app.resources():
        ids = {
            "AWS::FSx::FileSystem": ("SecurityGroupIds", lustre),
            "AWS::ElasticLoadBalancingV2::LoadBalancer": ("SecurityGroups", balancers),
        }.get(r["Type"])
        if ids:
            ids[1].update(app.referenced(s, g)[:2] for g in r["Properties"][ids[0]])
    (template,) = [r for r in templates[fleet_stack]["Resources"].values() if r["Type"] == "AWS::EC2::LaunchTemplate"]
    policy = {}
    for i in template["Properties"]["LaunchTemplateData"]["NetworkInterfaces"]:
        flows = set()
        for group in i["Groups"]:
            if isinstance(group, str):  # an existing group, by id: only the spec's cluster group may be one
                assert group == cluster, f"{fleet_stack}: interface group {group} is not the cluster's ({cluster})"
                flows |= CLUSTER_GROUP
                continue
            flows |= _group_flows(app, app.referenced(fleet_stack, group), lustre, balancers, cluster)
        policy[(i["NetworkCardIndex"], i["DeviceIndex"], i["InterfaceType"])] = flows
    return policy


@pytest.mark.parametrize("stem", [s.stem for s in SPECS])
def test_every_interfaces_policy_in_the_templates_is_the_planned_one(cli_synth, stem):
    spec = load_spec(ROOT / "specs" / f"{stem}.yaml")
    policies = plan_network_policy(spec, resolve_all(spec))
    assert policies
    cluster = spec.scheduler.cluster_security_group_id if spec.scheduler else None
    for policy in policies:
        got = template_policy(cli_synth[stem], f"{spec.name}-fleet-{policy.fleet}", cluster)
        assert list(got) == [(i.card, i.device, i.kind) for i in policy.interfaces]
        for interface, flows in got.items():
            assert sorted(flows) == list(policy.flows), (policy.fleet, interface)


def test_the_reference_training_fleet_may_reach_exactly_this():
    """The intended policy itself, spelled out once, so a change to it is a visible change to this test."""
    spec = load_spec(ROOT / "specs" / "reference.yaml")
    by_fleet = {p.fleet: p for p in plan_network_policy(spec, resolve_all(spec))}
    anywhere_https = Flow(direction="outbound", protocol="tcp", from_port=443, to_port=443, peer=Peer.ANYWHERE)
    assert set(by_fleet["pretrain-b200"].flows) == {
        anywhere_https,
        Flow(direction="outbound", protocol="tcp", from_port=988, to_port=988, peer=Peer.LUSTRE),
        Flow(direction="outbound", protocol="tcp", from_port=1018, to_port=1023, peer=Peer.LUSTRE),
        Flow(direction="inbound", protocol="all", from_port=None, to_port=None, peer=Peer.EFA_MEMBERS),
        Flow(direction="outbound", protocol="all", from_port=None, to_port=None, peer=Peer.EFA_MEMBERS),
    }
    assert set(by_fleet["serve-g7e"].flows) == {
        anywhere_https,
        Flow(direction="inbound", protocol="tcp", from_port=8000, to_port=8000, peer=Peer.LOAD_BALANCER),
    }
    assert len(by_fleet["pretrain-b200"].interfaces) == 9


@pytest.mark.parametrize(("stem", "cluster"), [("eks", "sg-0c1c2c3c4c5c6c7c8"), ("slurm-pcs", "sg-0d1d2d3d4d5d6d7d8")])
def test_a_scheduled_fleet_carries_its_clusters_group_and_no_load_balancer(stem, cluster):
    """Scheduled fleets: the node's HTTPS, the cluster's group (AWS's documented rules, all traffic with the cluster
    and out to anywhere), EFA where used; the inference fleet has no load balancer in front of it."""
    spec = load_spec(ROOT / "specs" / f"{stem}.yaml")
    by_fleet = {p.fleet: p for p in plan_network_policy(spec, resolve_all(spec))}
    anywhere_https = Flow(direction="outbound", protocol="tcp", from_port=443, to_port=443, peer=Peer.ANYWHERE)
    efa = {
        Flow(direction="inbound", peer=Peer.EFA_MEMBERS, **ALL),
        Flow(direction="outbound", peer=Peer.EFA_MEMBERS, **ALL),
    }
    assert set(by_fleet["serve-g7e"].flows) == {anywhere_https} | CLUSTER_GROUP
    for training in ("pretrain-b200", "gb200-nvl72"):
        assert set(by_fleet[training].flows) == {anywhere_https} | CLUSTER_GROUP | efa
        assert [g.name for g in by_fleet[training].groups] == ["node", "cluster", "efa"]
    assert {g.existing_group_id for p in by_fleet.values() for g in p.groups} == {None, cluster}


def test_plan_shows_and_carries_the_policy(root):
    from typer.testing import CliRunner

    from ultrafleet.cli.commands import app

    spec = str(root / "specs" / "starter.yaml")
    text = CliRunner().invoke(app, ["plan", spec]).output
    assert "  p5-dev network policy (33 interfaces, each with groups node, efa):\n" in text
    assert "    outbound tcp 443 to anywhere (node)\n" in text
    assert "    inbound  all from efa-members (efa)\n    outbound all to efa-members (efa)\n" in text
    data = json.loads(CliRunner().invoke(app, ["plan", spec, "--json"]).output)["network_policy"]["p5-dev"]
    assert data["flows"] == [
        {"direction": "inbound", "protocol": "all", "from_port": None, "to_port": None, "peer": "efa-members"},
        {"direction": "outbound", "protocol": "all", "from_port": None, "to_port": None, "peer": "efa-members"},
        {"direction": "outbound", "protocol": "tcp", "from_port": 443, "to_port": 443, "peer": "anywhere"},
    ]
    assert [g["name"] for g in data["groups"]] == ["node", "efa"]
    assert data["groups"][1]["source"].startswith("EC2 User Guide, 'Prepare an EFA-enabled security group'")
    assert len(data["interfaces"]) == 33 and data["interfaces"][0] == {
        "card": 0,
        "device": 0,
        "type": "interface",
        "groups": ["node", "efa"],
    }
