"""UltraServer fleets as the unit they are sold as: the plan's domains and bandwidth labels, the IMEX hook and
the one read it needs on GB200 fleets, and nothing of it on other fleets."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match, Template
from typer.testing import CliRunner

from conftest import fleet, spec_dict
from ultrafleet.cli.commands import app
from ultrafleet.testing.user_data import user_data_text

runner = CliRunner()


def plan_json(root, spec):
    result = runner.invoke(app, ["plan", str(root / "specs" / spec), "--json"])
    assert result.exit_code == 0, result.stdout
    return {f["name"]: f for f in json.loads(result.stdout)["fleets"]}


def test_plan_json_gives_domains_instances_and_accelerators_per_domain(root):
    fleets = plan_json(root, "reference.yaml") | plan_json(root, "trainium.yaml")
    got = {
        name: (f["ultraserver_domains"], f["instances_per_domain"], f["accelerators_per_domain"])
        for name, f in fleets.items()
    }
    assert got["gb200-nvl72"] == (1, 18, 72)
    assert got["trn2-ultra"] == (2, 4, 64)
    assert got["pretrain-b200"] == (None, None, None)


def test_plan_json_labels_efa_and_ena_bandwidth(root):
    b200 = plan_json(root, "reference.yaml")["pretrain-b200"]
    # EFA: AWS's 3,200 Gbps for p6-b200; ENA: card 0's 200 Gbps baseline, the one card with an ENA interface.
    assert (b200["efa_bandwidth_gbps"], b200["efa_bandwidth_max_gbps"]) == (3200.0, 3200.0)
    assert (b200["ena_bandwidth_gbps"], b200["ena_bandwidth_max_gbps"]) == (200.0, 1600.0)
    assert b200["efa_bandwidth_basis"].startswith("AWS's published EFA bandwidth")
    gb200 = plan_json(root, "reference.yaml")["gb200-nvl72"]
    assert (gb200["efa_bandwidth_gbps"], gb200["ena_bandwidth_gbps"]) == (1600.0, None)


def test_plan_text_shows_domains_and_which_figure_is_which(root):
    result = runner.invoke(app, ["plan", str(root / "specs/trainium.yaml")])
    assert "trn2-ultra UltraServer domains: 2 x u-trn2x64, 4 instances and 64 Trainium2 per domain" in result.stdout
    assert "EFA Gbps: AWS's published EFA bandwidth (reached/max); ENA Gbps: the ENA cards' baselines" in result.stdout


def test_gb200_fleet_boots_imex_and_reads_only_its_peers(reference_stacks):
    template = Template.from_stack(reference_stacks.fleets["gb200-nvl72"])
    (lt,) = template.find_resources("AWS::EC2::LaunchTemplate").values()
    user_data = user_data_text(lt["Properties"]["LaunchTemplateData"])
    assert "# --- hook: imex-domain" in user_data
    assert "/etc/ultrafleet/health.d/50-imex-domain" in user_data
    assert "expected=18" in user_data
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["ec2:DescribeInstanceTopology", "ec2:DescribeInstances"],
                            "Effect": "Allow",
                            "Resource": "*",
                        }
                    ]
                )
            }
        },
    )


def test_other_fleets_get_no_imex(reference_stacks):
    for name in ("pretrain-b200", "trn2-finetune"):
        template = Template.from_stack(reference_stacks.fleets[name])
        assert "imex" not in json.dumps(template.to_json())


def gb200_fleet(**fields):
    return {
        "name": "nvl72",
        "role": "training",
        "ultraserver_type": "u-p6e-gb200x72",
        "ultraserver_count": 1,
        "availability_zones": ["us-east-1-dfw-2a"],
        "capacity": {"type": "capacity-block", "reservation_id": "cr-0f1e2d3c4b5a69788"},
        **fields,
    }


def findings_of(data):
    from ultrafleet.spec import parse_spec
    from ultrafleet.validation import validate

    return validate(parse_spec(data))


def test_efa_with_ena_layout_is_parallelclusters_gb200_layout(root):
    """efa_interface_type: efa puts EFA with ENA on the cards that take it (the even ones) and EFA-only on the odd
    ones, as ParallelCluster PR #6930 does; every card still carries one EFA device."""
    from ultrafleet.planning.fleets import resolve
    from ultrafleet.spec import parse_spec

    spec = parse_spec(
        spec_dict(availability_zones=["us-east-1-dfw-2a"], fleets=[gb200_fleet(efa_interface_type="efa")])
    )
    fleet = resolve(spec, 0)
    assert [(i.card, i.device, i.kind) for i in fleet.layout][:4] == [
        (0, 0, "interface"),
        (1, 0, "efa-only"),
        (2, 0, "efa"),
        (3, 0, "efa-only"),
    ]
    assert [i.kind for i in fleet.layout[1:]] == ["efa-only", "efa"] * 8
    assert (fleet.efa_interfaces, fleet.ip_addresses_per_instance, fleet.efa_bandwidth_gbps) == (16, 9, 1600.0)
    assert findings_of(spec_dict(availability_zones=["us-east-1-dfw-2a"], fleets=[gb200_fleet()])) == []


def test_default_layout_is_unchanged_by_the_new_field():
    from ultrafleet.planning.fleets import resolve
    from ultrafleet.spec import parse_spec

    plain = resolve(parse_spec(spec_dict(availability_zones=["us-east-1-dfw-2a"], fleets=[gb200_fleet()])), 0)
    explicit = resolve(
        parse_spec(
            spec_dict(availability_zones=["us-east-1-dfw-2a"], fleets=[gb200_fleet(efa_interface_type="efa-only")])
        ),
        0,
    )
    assert plain.layout == explicit.layout
    assert {i.kind for i in plain.layout[1:]} == {"efa-only"}


def test_efa_interface_type_without_efa_is_an_error():
    found = findings_of(spec_dict(fleets=[fleet(efa=False, efa_interface_type="efa")]))
    assert [(f.code, f.path) for f in found if f.level.value == "error"] == [
        ("UF-EFA-004", "fleets[0].efa_interface_type")
    ]
    assert "efa: the fleet has no EFA" in str(found[-1])
