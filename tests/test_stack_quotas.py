"""Stack quotas before synth: the predicted counts equal the synthesized templates', and a spec over a quota
fails validate and synth (exit 2, nothing written)."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from conftest import ROOT, SPECS, fleet, spec_dict
from ultrafleet.cli.commands import app
from ultrafleet.planning.fleets import resolve_all
from ultrafleet.planning.stack_counts import predict
from ultrafleet.spec import load_spec, parse_spec
from ultrafleet.validation import validate

runner = CliRunner()


def wide(count: int) -> dict:
    """A spec of ``count`` small p5.48xlarge training fleets."""
    return spec_dict(name="wide", fleets=[fleet(name=f"t{i:03d}") for i in range(count)])


def counted(template: dict) -> tuple[int, int, int, int | None]:
    """(resources, outputs, parameters, dashboard widgets) of a synthesized template."""
    widgets = None
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::CloudWatch::Dashboard":
            body = resource["Properties"]["DashboardBody"]
            text = body if isinstance(body, str) else "".join(p for p in body["Fn::Join"][1] if isinstance(p, str))
            widgets = text.count('"type":')
    return len(template["Resources"]), len(template.get("Outputs", {})), len(template.get("Parameters", {})), widgets


def predicted(spec) -> dict[str, tuple[int, int, int, int | None]]:
    return {
        c.stack: (c.resources, c.outputs, c.parameters, c.dashboard_widgets) for c in predict(spec, resolve_all(spec))
    }


@pytest.mark.parametrize("spec_file", SPECS, ids=lambda p: p.stem)
def test_predicted_counts_equal_the_synthesized_ones_for_every_shipped_spec(cli_synth, spec_file):
    templates = cli_synth[spec_file.stem]
    prediction = predicted(load_spec(spec_file))
    assert prediction == {stack: counted(templates[stack]) for stack in prediction}


@pytest.fixture(scope="session", params=[1, 64], ids=lambda n: f"{n}-fleets")
def wide_synth(request) -> tuple[dict, dict[str, dict]]:
    """A spec of 1 or 64 p5.48xlarge training fleets and its templates, built in-process once per session as
    conftest.build_stacks builds them, without CDK's own template validation (as cdk.json runs the app: it is most
    of a 64-fleet synth, and cfn-lint checks the shipped templates)."""
    import aws_cdk as cdk

    from ultrafleet.stacks import create_stacks

    data = wide(request.param)
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    app = cdk.App(context=context, builtin_cloud_formation_validation=False)
    create_stacks(app, parse_spec(data))
    assembly = app.synth()
    return data, {s.stack_name: s.template for s in assembly.stacks}


def test_predicted_counts_equal_the_synthesized_ones_for_1_and_64_fleets(wide_synth):
    data, templates = wide_synth
    prediction = predicted(parse_spec(data))
    assert prediction == {stack: counted(templates[stack]) for stack in prediction}
    assert len(templates) == len(data["fleets"]) + 3  # network, storage, observability and the fleets


def test_the_64_fleet_prediction_grows_by_the_rules(wide_synth):
    data, _ = wide_synth
    n = len(data["fleets"])
    # storage: key, two buckets and their policies, a policy per fleet; exports: each policy and the bucket name
    # observability: topic and policy, dashboard, logs key; per fleet a log group, the drain, breaker and
    # replaced alarms, the drain-behind alarm; widgets: instances, GPU, disk, checkpoints, node health
    assert predicted(parse_spec(data)) == {
        "wide-storage": (5 + n, n + 1, 1, None),
        "wide-observability": (4 + 5 * n, 0, 1, 5 * n),
    }


def test_256_fleets_fail_validate_naming_stack_count_limit_and_fix(tmp_path, monkeypatch):
    path = tmp_path / "wide.yaml"
    path.write_text(yaml.safe_dump(wide(256)))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error UF-QUOTA-002 fleets: 256 fleets: stack wide-storage would hold 257 outputs; CloudFormation allows "
        "200 outputs per stack. Split the spec into specs of at most 199 fleets each (docs/scale.md)",
        "error UF-QUOTA-001 fleets: 256 fleets: stack wide-observability would hold 1284 resources; CloudFormation "
        "allows 500 resources per stack. Split the spec into specs of at most 99 fleets each (docs/scale.md)",
        "error UF-QUOTA-004 fleets: 256 fleets: stack wide-observability would hold 1280 dashboard widgets; "
        "CloudWatch allows 500 widgets per dashboard. Split the spec into specs of at most 100 fleets each "
        "(docs/scale.md)",
        f"{path}: invalid spec (3 errors)",
    ]
    synth = runner.invoke(app, ["synth", str(path), "--output", str(tmp_path / "cdk.out")])
    assert synth.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wide.yaml"]


def test_the_largest_spec_that_fits_passes_and_one_more_fleet_fails():
    def codes(count: int) -> list[str]:
        return [f.code for f in validate(parse_spec(wide(count))) if f.code.startswith("UF-QUOTA")]

    # 99 fleets: 499 resources and 495 widgets, both over 80%; 100: 504 resources; 79: 399 and 395, both under
    assert codes(99) == ["UF-QUOTA-005", "UF-QUOTA-005"]
    assert codes(100) == ["UF-QUOTA-001", "UF-QUOTA-005"]
    assert codes(79) == []


def test_plan_json_carries_the_counts_with_their_limits(root):
    result = runner.invoke(app, ["plan", str(root / "specs/starter.yaml"), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["stacks"] == [
        {
            "stack": "starter-storage",
            "resources": {"count": 6, "limit": 500},
            "outputs": {"count": 2, "limit": 200},
            "parameters": {"count": 1, "limit": 200},
        },
        {
            "stack": "starter-observability",
            "resources": {"count": 9, "limit": 500},
            "outputs": {"count": 0, "limit": 200},
            "parameters": {"count": 1, "limit": 200},
            "dashboard_widgets": {"count": 5, "limit": 500},
        },
    ]


def test_served_inference_fleets_fill_the_dashboard_first():
    def serve(i: int) -> dict:
        route = {"priority": i + 1, "path_patterns": [f"/m{i}/*"]}
        return fleet(name=f"s{i:02d}", role="inference", instance_type="g6e.xlarge", inference={"route": route})

    spec = parse_spec(spec_dict(name="serve", fleets=[serve(i) for i in range(72)]))
    quota = [str(f) for f in validate(spec) if f.code.startswith("UF-QUOTA")]
    # a served GPU fleet: instances, GPU, disk, node health, requests, latency, hosts = 7 widgets; 72 * 7 = 504
    assert quota == [
        "error UF-QUOTA-004 fleets: 72 fleets: stack serve-observability would hold 504 dashboard widgets; "
        "CloudWatch allows 500 widgets per dashboard. Split the spec into specs of at most 71 fleets each "
        "(docs/scale.md)"
    ]
    # the load balancer's stack: its group, itself, its listener, a target group and a rule per fleet; exports: the
    # group, the load balancer's name, each target group's ARN and name
    assert predicted(spec)["serve-inference"] == (3 + 72 + 72, 2 + 2 * 72, 1, None)


def test_plan_prints_each_predicted_stack_beside_its_limits(root):
    result = runner.invoke(app, ["plan", str(root / "specs/starter.yaml")], terminal_width=200)
    assert result.exit_code == 0
    rows = [" ".join(line.replace("│", " ").split()) for line in result.stdout.splitlines() if "starter-" in line]
    assert rows[-2:] == [
        "starter-storage 6 / 500 2 / 200 1 / 200 -",
        "starter-observability 9 / 500 0 / 200 1 / 200 5 / 500",
    ]
