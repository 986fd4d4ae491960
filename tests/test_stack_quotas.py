"""Stack quotas before synth: the predicted counts equal the synthesized templates', and a spec over a quota
fails validate and synth (exit 2, nothing written)."""

from __future__ import annotations

import json

import pytest
import yaml
from scale_session import wide
from typer.testing import CliRunner

from conftest import SPECS, fleet, spec_dict
from ultrafleet.cli.commands import app
from ultrafleet.deploy.assembly import assembly_stacks, counted, template_file
from ultrafleet.planning.fleets import resolve_all
from ultrafleet.planning.stack_counts import (
    STORAGE_FLEET_POLICIES,
    fleets_with_own_checkpoint_policy,
    observability_shards,
    predict,
)
from ultrafleet.spec import load_spec, parse_spec
from ultrafleet.validation import validate

runner = CliRunner()


def predicted(spec) -> dict[str, tuple[int, int, int, int | None]]:
    return {
        c.stack: (c.resources, c.outputs, c.parameters, c.dashboard_widgets) for c in predict(spec, resolve_all(spec))
    }


@pytest.mark.parametrize("spec_file", SPECS, ids=lambda p: p.stem)
def test_predicted_counts_equal_the_synthesized_ones_for_every_shipped_spec(cli_synth, spec_file):
    templates = cli_synth[spec_file.stem]
    prediction = predicted(load_spec(spec_file))
    assert prediction == {stack: counted(templates[stack]) for stack in prediction}


@pytest.fixture(scope="session")
def wide_synths(wide_assemblies) -> dict[int, tuple[dict, dict[str, dict]]]:
    """Specs of 1 and 64 p5.48xlarge training fleets and their templates, from the session's background in-process
    `ultrafleet synth` (tests/scale_session.py; CDK's own template validation off, as cdk.json runs the app). The
    512-fleet synth: tests/test_scale_512.py."""
    out = {}
    for count, cdk_out in wide_assemblies.items():
        stacks = assembly_stacks(cdk_out)
        out[count] = wide(count), {s: json.loads(template_file(cdk_out, a).read_text()) for s, a in stacks.items()}
    return out


@pytest.fixture(params=[1, 64], ids=lambda n: f"{n}-fleets")
def wide_synth(request, wide_synths) -> tuple[dict, dict[str, dict]]:
    return wide_synths[request.param]


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


def served(count: int) -> dict:
    """A spec of ``count`` served g6e.xlarge inference fleets, each with a route."""

    def serve(i: int) -> dict:
        route = {"priority": i + 1, "path_patterns": [f"/m{i}/*"]}
        return fleet(name=f"s{i:03d}", role="inference", instance_type="g6e.xlarge", inference={"route": route})

    return spec_dict(name="serve", fleets=[serve(i) for i in range(count)])


def test_growing_1_fleet_to_64_keeps_every_existing_resource_as_it_was(wide_synths):
    """No replacement without a changed property: every resource of the 1-fleet templates is in the same stack of
    the 64-fleet templates under the same logical id with the same properties, except the dashboard, whose body
    (not its name) changes, an update in place. (64 to 512 fleets, across shards: `ultrafleet diff --against` in
    tests/test_scale_512.py.)"""
    _, small = wide_synths[1]
    _, grown = wide_synths[64]
    assert grown["wide-fleet-t000"] == small["wide-fleet-t000"]
    assert grown["wide-network"] == small["wide-network"]
    for stack in ("wide-storage", "wide-observability"):
        for logical_id, resource in small[stack]["Resources"].items():
            after = grown[stack]["Resources"][logical_id]
            if resource["Type"] == "AWS::CloudWatch::Dashboard":
                assert after["Properties"]["DashboardName"] == resource["Properties"]["DashboardName"]
                continue
            assert after == resource, f"{stack}/{logical_id}"


def test_a_spec_over_a_quota_fails_validate_and_synth_naming_stack_count_limit_and_fix(tmp_path, monkeypatch):
    path = tmp_path / "serve.yaml"
    path.write_text(yaml.safe_dump(served(100)))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    # the load balancer's stack exports its group, its name, and each target group's ARN and full name
    error, summary = result.stderr.splitlines()
    assert error == (
        "error UF-QUOTA-002 fleets: 100 fleets: stack serve-inference would hold 202 outputs; CloudFormation allows "
        "200 outputs per stack. Split the spec into specs of at most 99 fleets each (docs/scale.md)"
    )
    assert summary.startswith(f"{path}: invalid spec (1 error")
    synth = runner.invoke(app, ["synth", str(path), "--output", str(tmp_path / "cdk.out")])
    assert synth.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["serve.yaml"]


def test_99_fleets_fill_one_observability_stack_and_the_100th_opens_a_shard():
    def stacks(count: int) -> dict:
        return predicted(parse_spec(wide(count)))

    # 4 + 5 * 99 = 499 resources and 495 widgets; the 100th fleet's 5 would make 504
    assert stacks(99)["wide-observability"] == (499, 0, 1, 495)
    assert "wide-observability-1" not in stacks(99)
    # the first shard then exports its topic and logs key; the second holds a dashboard and the fleet's 5
    assert stacks(100)["wide-observability"] == (499, 2, 1, 495)
    assert stacks(100)["wide-observability-1"] == (6, 0, 1, 5)
    quota = [f for f in validate(parse_spec(wide(100))) if f.code.startswith("UF-QUOTA")]
    assert quota == []  # a full shard is by design: no warning


def test_the_storage_stack_keeps_190_fleet_policies_and_the_rest_live_in_their_fleet_stacks():
    spec = parse_spec(wide(512))
    fleets = resolve_all(spec)
    assert STORAGE_FLEET_POLICIES == 190
    assert fleets_with_own_checkpoint_policy(fleets) == {f"t{i:03d}" for i in range(190, 512)}
    # key, two buckets and their policies, 190 policies; exports: 190 policies, the bucket's name, and the bucket's
    # and the key's ARNs under names fixed by convention
    assert predicted(spec)["wide-storage"] == (5 + 190, 190 + 1 + 2, 1, None)
    assert predicted(parse_spec(wide(190)))["wide-storage"] == (5 + 190, 190 + 1, 1, None)


def test_512_fleets_validate_with_every_predicted_stack_within_its_quotas():
    spec = parse_spec(wide(512))
    prediction = predicted(spec)
    # 99 fleets per observability shard (99 * 5 + 4 = 499; a later shard 1 + 99 * 5 = 496): 512 = 5 * 99 + 17
    shards = [name for name in prediction if name.startswith("wide-observability")]
    assert shards == ["wide-observability", *(f"wide-observability-{i}" for i in range(1, 6))]
    assert prediction["wide-observability-5"] == (1 + 17 * 5, 0, 1, 17 * 5)
    assert all(r <= 500 and o <= 200 and p <= 200 and (w or 0) <= 500 for r, o, p, w in prediction.values())
    assert [f for f in validate(spec) if f.level.value == "error"] == []


@pytest.mark.parametrize("grown", [100, 191, 512])
def test_appending_fleets_moves_no_earlier_fleet_to_another_stack(grown):
    """The layout rule behind stable logical ids: every fleet of a 64-fleet spec (and of any prefix) stays in the
    observability stack and the policy home it had, however many fleets are appended."""

    def layout(count: int) -> tuple[dict[str, int], set[str]]:
        spec = parse_spec(wide(count))
        fleets = resolve_all(spec)
        shard_of = {f.spec.name: i for i, shard in enumerate(observability_shards(spec, fleets)) for f in shard}
        return shard_of, fleets_with_own_checkpoint_policy(fleets)

    for before in (64, grown - 1):
        old_shards, old_own = layout(before)
        new_shards, new_own = layout(grown)
        assert {name: new_shards[name] for name in old_shards} == old_shards
        assert new_own & set(old_shards) == old_own


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


def test_served_inference_fleets_fill_a_dashboard_first_and_open_a_shard():
    spec = parse_spec(served(72))
    # a served GPU fleet: instances, GPU, disk, node health, requests, latency, hosts = 7 widgets; 71 * 7 = 497 and
    # the 72nd fleet's would make 504, so it opens the second shard
    prediction = predicted(spec)
    assert prediction["serve-observability"][3] == 71 * 7
    assert prediction["serve-observability-1"][3] == 7
    assert [f for f in validate(spec) if f.code.startswith("UF-QUOTA")] == []
    # the load balancer's stack: its group, itself, its listener, a target group and a rule per fleet; exports: the
    # group, the load balancer's name, each target group's ARN and name
    assert prediction["serve-inference"] == (3 + 72 + 72, 2 + 2 * 72, 1, None)


def test_plan_prints_each_predicted_stack_beside_its_limits(root):
    result = runner.invoke(app, ["plan", str(root / "specs/starter.yaml")], terminal_width=200)
    assert result.exit_code == 0
    rows = [" ".join(line.replace("│", " ").split()) for line in result.stdout.splitlines() if "starter-" in line]
    assert rows[-2:] == [
        "starter-storage 6 / 500 2 / 200 1 / 200 -",
        "starter-observability 9 / 500 0 / 200 1 / 200 5 / 500",
    ]
