"""What each node may reach: every security group of every shipped spec, as synthesized."""

from __future__ import annotations

from ultrafleet.constructs.closed_egress import NO_TRAFFIC


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
    assert groups == 19  # reference 10 (3 EFA, 4 node, load balancer, Lustre servers and clients), starter 2,
    # inference 3 (2 node, load balancer), trainium 4
