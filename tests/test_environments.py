"""Environments: overrides merge as documented, errors name the environment's own field, and two environments
synthesize distinct templates with nothing of one in the other."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml
from aws_cdk.assertions import Template
from typer.testing import CliRunner

from conftest import ROOT, build_stacks, fleet, spec_dict
from ultrafleet.cli.commands import app
from ultrafleet.deploy import in_process
from ultrafleet.deploy.cdk_cli import cdk_env
from ultrafleet.findings import SpecError
from ultrafleet.spec import parse_spec
from ultrafleet.spec.environments import merge
from ultrafleet.validation import check

runner = CliRunner()
REFERENCE = ROOT / "specs/reference.yaml"


def reference_data() -> dict:
    return yaml.safe_load(REFERENCE.read_text())


def errors_of(data, environment=None) -> list[str]:
    with pytest.raises(SpecError) as exc:
        check(parse_spec(data, environment))
    return [str(f) for f in exc.value.findings]


def test_merge_mappings_key_by_key_and_replaces_lists_and_tagged_unions():
    base = {
        "tags": {"team": "ml", "stage": "base"},
        "zones": ["a", "b"],
        "capacity": {"type": "capacity-block", "reservation_id": "cr-1"},
    }
    override = {"tags": {"stage": "dev"}, "zones": ["c"], "capacity": {"type": "on-demand"}}
    assert merge(base, override) == {
        "tags": {"team": "ml", "stage": "dev"},
        "zones": ["c"],
        "capacity": {"type": "on-demand"},
    }


def test_without_a_choice_the_spec_deploys_as_written():
    spec = parse_spec(reference_data())
    assert (spec.name, spec.account, spec.fleets[0].count) == ("frontier", "123456789012", 32)
    assert "ultrafleet:environment" not in spec.tags


def test_an_environment_overrides_only_what_it_names():
    dev = parse_spec(reference_data(), "dev")
    assert (dev.name, dev.account, dev.region) == ("frontier-dev", "111122223333", "us-east-1")
    assert [(f.name, f.count) for f in dev.fleets] == [
        ("pretrain-b200", 2),
        ("gb200-nvl72", None),
        ("trn2-finetune", 2),
        ("serve-g7e", 1),
    ]
    assert dev.fleets[0].capacity.reservation_id == "cr-0d0e0f1a2b3c4d5e6"
    assert dev.fleets[2].capacity.type == "on-demand"
    assert (dev.fleets[3].inference.min_size, dev.fleets[3].inference.max_size, dev.fleets[3].inference.port) == (
        1,
        2,
        8000,
    )
    bucket = dev.storage.checkpoint_bucket
    assert (bucket.expire_checkpoints_after_days, bucket.noncurrent_version_expiration_days) == (14, 7)
    assert bucket.noncurrent_versions_to_keep == 3  # from the spec
    assert dev.tags == {
        "team": "ml-platform",
        "cost-center": "research-4410",
        "stage": "dev",
        "ultrafleet:environment": "dev",
    }
    assert (dev.environments, dev.pipeline) == ({}, None)


def test_an_unknown_environment_names_the_defined_ones():
    assert errors_of(reference_data(), "qa") == [
        "error UF-SPEC-012 environments: 'qa' is not an environment; defined: dev, prod"
    ]
    assert errors_of(spec_dict(), "prod") == [
        "error UF-SPEC-012 environments: 'prod' is not an environment; defined: none; add an environments: "
        "section to the spec"
    ]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            {"fleets": {"trian": {"count": 4}}},
            "error UF-SPEC-013 environments.dev.fleets.trian: 'trian' is not a fleet of this spec; fleets: train",
        ),
        (
            {"fleets": {"train": {"count": 0}}},
            "error UF-SPEC-001 environments.dev.fleets.train.count: 0: Input should be greater than or equal to 1",
        ),
        (
            {"fleets": {"train": {"cuont": 4}}},
            "error UF-SPEC-002 environments.dev.fleets.train.cuont: is not a known field; remove it or check its "
            "spelling",
        ),
        (
            {"fleets": {"train": {"capacity": {"type": "capacity-block"}}}},
            "error UF-SPEC-003 environments.dev.fleets.train.capacity.reservation_id: is required",
        ),
        (
            {"storage": {"checkpoint_bucket": {"noncurrent_versions_to_keep": 101}}},
            "error UF-SPEC-001 environments.dev.storage.checkpoint_bucket.noncurrent_versions_to_keep: 101: Input "
            "should be less than or equal to 100",
        ),
    ],
    ids=["unknown-fleet", "bad-count", "typo", "capacity-replaced-whole", "storage"],
)
def test_an_environment_error_names_the_environment_field(override, expected):
    assert errors_of(spec_dict(environments={"dev": override}), "dev") == [expected]


def test_a_bad_environment_block_fails_even_without_a_choice():
    assert errors_of(spec_dict(environments={"dev": {"acount": "111122223333"}})) == [
        "error UF-SPEC-002 environments.dev.acount: is not a known field; remove it or check its spelling"
    ]


def test_an_environment_can_move_region_and_zones():
    data = spec_dict(
        fleets=[fleet(availability_zones=["us-east-1a"])],
        environments={
            "west": {
                "region": "us-west-2",
                "availability_zones": ["us-west-2a", "us-west-2b"],
                "fleets": {"train": {"availability_zones": ["us-west-2b"]}},
            }
        },
    )
    west = parse_spec(data, "west")
    assert (west.region, west.availability_zones, west.fleets[0].availability_zones) == (
        "us-west-2",
        ["us-west-2a", "us-west-2b"],
        ["us-west-2b"],
    )
    data["environments"]["west"]["fleets"] = {}
    assert errors_of(data, "west")[0].startswith(
        "error UF-PLC-001 fleets[0].availability_zones: 'us-east-1a' is not among the spec's availability_zones"
    )


def test_validate_checks_every_environment_and_exits_2_on_a_bad_one(tmp_path):
    data = reference_data()
    data["environments"]["dev"]["fleets"]["serve-g7e"]["inference"]["max_size"] = 0
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert (
        "error UF-SPEC-001 environments.dev.fleets.serve-g7e.inference.max_size: 0: Input should be greater than "
        "or equal to 1"
    ) in result.stderr.splitlines()
    assert result.stderr.splitlines()[-1] == f"{path} (environment dev): invalid spec (1 errors)"


def test_synth_with_an_unknown_environment_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "cdk.out"
    result = runner.invoke(app, ["synth", str(REFERENCE), "--env", "qa", "--output", str(out)])
    assert result.exit_code == 2
    assert "error UF-SPEC-012 environments: 'qa' is not an environment; defined: dev, prod" in result.stderr
    assert not out.exists()


def test_cdk_synth_context_env_selects_an_environment(tmp_path):
    """The real CLI: `cdk synth -c env=dev` names the stacks after the environment (and writes what the in-process
    synth writes); `-c env=qa` exits 2. Both run at once."""
    out = tmp_path / "cdk.out"
    cdk = [str(ROOT / "node_modules/.bin/cdk"), "synth", "--quiet"]
    runs = [
        subprocess.Popen(
            [*cdk, "-c", f"env={env}", "--output", str(tmp_path / env)],
            cwd=ROOT,
            env=cdk_env(ROOT),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for env in ("dev", "qa")
    ]
    assert in_process.synth(ROOT, {"env": "dev"}, out) is in_process.Outcome.DONE  # meanwhile
    (_, dev_err), (_, bad_err) = (proc.communicate(timeout=300) for proc in runs)
    assert runs[0].returncode == 0, dev_err
    manifest = json.loads((tmp_path / "dev" / "manifest.json").read_text())
    stacks = {k: v["environment"] for k, v in manifest["artifacts"].items() if v["type"] == "aws:cloudformation:stack"}
    assert stacks == {
        name: "aws://111122223333/us-east-1"
        for name in [
            "frontier-dev-network",
            "frontier-dev-storage",
            "frontier-dev-inference",
            "frontier-dev-fleet-pretrain-b200",
            "frontier-dev-fleet-gb200-nvl72",
            "frontier-dev-fleet-trn2-finetune",
            "frontier-dev-fleet-serve-g7e",
            "frontier-dev-observability",
        ]
    }
    for template in (tmp_path / "dev").glob("*.template.json"):
        assert (out / template.name).read_text() == template.read_text(), template.name
    assert runs[1].returncode == 1  # the CLI's own code when the app exits non-zero (app.py exits 2)
    assert "error UF-SPEC-012 environments: 'qa' is not an environment; defined: dev, prod" in bad_err


@pytest.fixture(scope="module")
def dev_and_prod():
    """{environment: {stack name: template}} built in-process."""
    out = {}
    for name in ("dev", "prod"):
        stacks = build_stacks(reference_data(), name)
        every = [stacks.network, stacks.storage, stacks.inference, *stacks.observability, *stacks.fleets.values()]
        out[name] = {s.stack_name: Template.from_stack(s).to_json() for s in every}
    return out


def test_two_environments_synthesize_distinct_templates(dev_and_prod):
    dev, prod = dev_and_prod["dev"], dev_and_prod["prod"]
    assert sorted(dev) == sorted(n.replace("frontier-prod", "frontier-dev") for n in prod)

    def group_sizes(templates, stack):
        groups = Template.from_json(templates[stack]).find_resources("AWS::AutoScaling::AutoScalingGroup")
        return [(g["Properties"]["MinSize"], g["Properties"]["MaxSize"]) for g in groups.values()]

    assert group_sizes(dev, "frontier-dev-fleet-pretrain-b200") == [("2", "2")]
    assert group_sizes(prod, "frontier-prod-fleet-pretrain-b200") == [("32", "32")]
    assert group_sizes(dev, "frontier-dev-fleet-serve-g7e") == [("1", "2")]
    assert group_sizes(prod, "frontier-prod-fleet-serve-g7e") == [("2", "12")]

    def expiry(templates, stack):
        buckets = Template.from_json(templates[stack]).find_resources("AWS::S3::Bucket")
        rules = [
            r for b in buckets.values() for r in b["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
        ]
        by_id = {r["Id"]: r for r in rules}
        return by_id["expire-checkpoints"]["ExpirationInDays"], by_id["expire-noncurrent-versions"][
            "NoncurrentVersionExpiration"
        ]["NoncurrentDays"]

    assert expiry(dev, "frontier-dev-storage") == (14, 7)
    assert expiry(prod, "frontier-prod-storage") == (180, 30)
    for name, templates in dev_and_prod.items():
        for stack, template in templates.items():
            for resource in template["Resources"].values():
                if resource["Type"] in ("AWS::S3::Bucket", "AWS::KMS::Key", "AWS::EC2::VPC"):
                    tags = {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}
                    assert (tags["ultrafleet:environment"], tags["stage"]) == (name, name), stack


@pytest.mark.parametrize(
    ("environment", "foreign"),
    [
        ("prod", ["111122223333", "frontier-dev", "cr-0d0e0f1a2b3c4d5e6", "cr-0e0f1a2b3c4d5e6f7", '"dev"']),
        ("dev", ["123456789012", "frontier-prod", "cr-0a1b2c3d4e5f60718", "cr-0f1e2d3c4b5a69788", '"prod"']),
    ],
)
def test_nothing_of_one_environment_leaks_into_another(dev_and_prod, environment, foreign):
    text = json.dumps(dev_and_prod[environment])
    assert [value for value in foreign if value in text] == []


def test_plan_shows_the_chosen_environment():
    result = runner.invoke(app, ["plan", str(REFERENCE), "--env", "dev", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["spec"] == "frontier-dev"
    assert [(f["name"], f["instances"]) for f in data["fleets"]] == [
        ("pretrain-b200", 2),
        ("gb200-nvl72", 18),
        ("trn2-finetune", 2),
        ("serve-g7e", 1),
    ]
