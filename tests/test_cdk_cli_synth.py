"""The real, pinned CDK CLI synthesizes every shipped spec offline, with real zone names."""

from __future__ import annotations

import json

import pytest

from conftest import SPECS

EXPECTED_STACKS = {
    "reference": [
        "frontier-fleet-gb200-nvl72",
        "frontier-fleet-pretrain-b200",
        "frontier-fleet-serve-g7e",
        "frontier-fleet-trn2-finetune",
        "frontier-inference",
        "frontier-network",
        "frontier-observability",
        "frontier-storage",
    ],
    "starter": ["starter-fleet-p5-dev", "starter-network", "starter-observability", "starter-storage"],
    "inference": [
        "serving-fleet-g6e-spot",
        "serving-fleet-g7e-main",
        "serving-inference",
        "serving-network",
        "serving-observability",
        "serving-storage",
    ],
    "trainium": [
        "neuron-fleet-trn1-dev",
        "neuron-fleet-trn2-ultra",
        "neuron-network",
        "neuron-observability",
        "neuron-storage",
    ],
    "checkpoint-1t": ["ckpt1t-fleet-pretrain", "ckpt1t-network", "ckpt1t-observability", "ckpt1t-storage"],
    "eks": [
        "mlp-fleet-gb200-nvl72",
        "mlp-fleet-pretrain-b200",
        "mlp-fleet-serve-g7e",
        "mlp-network",
        "mlp-observability",
        "mlp-storage",
    ],
    "slurm-pcs": [
        "hpc-fleet-gb200-nvl72",
        "hpc-fleet-pretrain-b200",
        "hpc-fleet-serve-g7e",
        "hpc-network",
        "hpc-observability",
        "hpc-queues",
        "hpc-storage",
    ],
    "landing-zone": ["lz-fleet-p5-dev", "lz-governance", "lz-network", "lz-observability", "lz-storage"],
}


def test_every_shipped_spec_is_covered():
    assert sorted(s.stem for s in SPECS) == sorted(EXPECTED_STACKS)


@pytest.mark.parametrize("stem", sorted(EXPECTED_STACKS))
def test_cli_synth_produces_the_expected_stacks(cli_synth, stem):
    assert sorted(cli_synth[stem]) == EXPECTED_STACKS[stem]


@pytest.mark.parametrize("stem", sorted(EXPECTED_STACKS))
def test_no_dummy_availability_zones(cli_synth, stem):
    for template in cli_synth[stem].values():
        assert "dummy1" not in json.dumps(template)


def test_reference_subnets_in_the_spec_zones(cli_synth):
    template = cli_synth["reference"]["frontier-network"]
    zones = {
        r["Properties"]["AvailabilityZone"] for r in template["Resources"].values() if r["Type"] == "AWS::EC2::Subnet"
    }
    assert zones == {"us-east-1a", "us-east-1b", "us-east-1-dfw-2a"}


def test_cdk_json_has_zone_context_for_every_spec_and_environment_account(root):
    from ultrafleet.spec import load_spec

    context = json.loads((root / "cdk.json").read_text())["context"]
    checked = []
    for path in SPECS:
        base = load_spec(path)
        for spec in [base, *(load_spec(path, name) for name in base.environments)]:
            if spec.account:
                key = f"availability-zones:account={spec.account}:region={spec.region}"
                assert set(spec.availability_zones) <= set(context.get(key, [])), f"{spec.name}: {key}"
                checked.append(spec.name)
    assert {"frontier", "frontier-dev", "frontier-prod"} <= set(checked)


def test_stacks_depend_on_network_and_storage_and_nothing_depends_on_a_fleet(cli_assemblies):
    """`cdk deploy --all` order comes from these references; since no stack refers to a fleet stack, a fleet stack
    can be destroyed and redeployed alone."""
    manifest = json.loads((cli_assemblies["reference"] / "manifest.json").read_text())
    graph = {
        name: sorted(d for d in artifact.get("dependencies", []) if not d.endswith(".assets"))
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    assert graph == {
        "frontier-network": [],
        "frontier-storage": ["frontier-network"],
        "frontier-inference": ["frontier-network", "frontier-storage"],
        "frontier-fleet-pretrain-b200": ["frontier-network", "frontier-storage"],
        "frontier-fleet-gb200-nvl72": ["frontier-network", "frontier-storage"],
        "frontier-fleet-trn2-finetune": ["frontier-network", "frontier-storage"],
        "frontier-fleet-serve-g7e": ["frontier-inference", "frontier-network"],
        "frontier-observability": ["frontier-inference"],
    }


@pytest.mark.parametrize("stem", [spec.stem for spec in SPECS])
def test_metadata_carries_no_creation_stacks(cli_assemblies, stem):
    """The app's own ``aws:cdk:disable-creation-stack-traces`` (ultrafleet/deploy/app_options.py): the CDK captures
    no stack trace for each resource it creates (a Python app's trace stops in the jsii kernel: "...jsii runtime,
    node internals..."; docs/speed.md), and the rest of the metadata the CLI reads (logical ids for its deploy
    messages) is still written."""
    kinds = {
        entry["type"]
        for meta in cli_assemblies[stem].rglob("*.metadata.json")
        for entries in json.loads(meta.read_text()).values()
        for entry in entries
    }
    assert "aws:cdk:creationStack" not in kinds
    assert "aws:cdk:logicalId" in kinds


def test_cdk_json_sets_no_reserved_context_key(root):
    """The CLI warns on every synth about an ``aws:`` key in cdk.json's context ("A reserved context key
    ('context.aws:') key was found in ..."): such settings live in the app's own context (app_options)."""
    context = json.loads((root / "cdk.json").read_text())["context"]
    assert [key for key in context if key.startswith("aws:")] == []
