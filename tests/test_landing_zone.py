"""Landing-zone guardrails: a permissions boundary and a name prefix on every IAM role ultrafleet creates (fleet
roles, the pipeline's roles, the CDK's own custom-resource roles), the rule that checks them, and the validation
of the governance section."""

from __future__ import annotations

import json
import re
from pathlib import Path

import aws_cdk as cdk
import pytest
import yaml

from conftest import ROOT, build_stacks, spec_dict
from ultrafleet.constructs.landing_zone import RoleGuardrails, apply_role_guardrails, role_name
from ultrafleet.findings import SpecError
from ultrafleet.rules import run
from ultrafleet.rules.base import App
from ultrafleet.spec import parse_spec
from ultrafleet.stacks import create_pipeline
from ultrafleet.validation import check
from ultrafleet.validation.governance import max_prefix_length

EXAMPLE = ROOT / "specs/landing-zone.yaml"
BOUNDARY = "arn:aws:iam::111122223333:policy/LandingZoneBoundary"
PREFIX = "lz-app-"
IAM_NAME = re.compile(r"[\w+=,.@-]{1,64}")


def templates_of(assembly: cdk.cx_api.CloudAssembly) -> dict[str, dict]:
    """Every stack template of an assembly and of its nested (pipeline stage) assemblies, by stack name."""
    out = {s.stack_name: s.template for s in assembly.stacks}
    for stage in Path(assembly.directory).glob("assembly-*"):
        out |= {s.stack_name: s.template for s in cdk.cx_api.CloudAssembly(str(stage)).stacks}
    return out


@pytest.fixture(scope="module")
def example_templates(cli_synth) -> dict[str, dict]:
    """The shipped landing-zone spec as the real CLI synthesized it."""
    return cli_synth[EXAMPLE.stem]


@pytest.fixture(scope="module")
def pipeline_templates() -> dict[str, dict]:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    app = cdk.App(context=context)
    create_pipeline(app, EXAMPLE)
    return templates_of(app.synth())


def roles(templates: dict[str, dict]) -> dict[tuple[str, str], dict]:
    return {
        (stack, lid): r.get("Properties", {})
        for stack, t in templates.items()
        for lid, r in t["Resources"].items()
        if r["Type"] == "AWS::IAM::Role"
    }


def test_every_role_of_the_spec_carries_the_boundary_and_a_prefixed_name(example_templates):
    found = roles(example_templates)
    assert {stack for stack, _ in found} == {"lz-network", "lz-fleet-p5-dev"}  # flow logs, the instance role
    for props in found.values():
        assert props["PermissionsBoundary"] == BOUNDARY
        assert props["RoleName"].startswith(PREFIX) and IAM_NAME.fullmatch(props["RoleName"])
    assert found[next(k for k in found if k[0] == "lz-fleet-p5-dev")]["RoleName"].startswith(
        "lz-app-lz-fleet-p5-dev-p5-dev-Role-"
    )


def test_every_pipeline_role_and_every_stage_role_is_guarded(pipeline_templates):
    found = roles(pipeline_templates)
    stacks = {stack for stack, _ in found}
    assert {"lz-pipeline", "lz-dev-fleet-p5-dev", "lz-dev-network"} <= stacks
    assert len([k for k in found if k[0] == "lz-pipeline"]) >= 8  # CodePipeline, CodeBuild and action roles
    names = [p["RoleName"] for p in found.values()]
    assert len(set(names)) == len(names)
    for props in found.values():
        assert props["PermissionsBoundary"] == BOUNDARY
        assert props["RoleName"].startswith(PREFIX) and IAM_NAME.fullmatch(props["RoleName"])


def test_the_rule_pack_passes_guarded_roles_and_fails_a_role_without_them(example_templates, pipeline_templates):
    assert [f for f in run(App(templates={**example_templates, **pipeline_templates})) if f.code == "UF-R019"] == []
    broken = json.loads(json.dumps(example_templates))
    (lid,) = [k for k, r in broken["lz-fleet-p5-dev"]["Resources"].items() if r["Type"] == "AWS::IAM::Role"]
    del broken["lz-fleet-p5-dev"]["Resources"][lid]["Properties"]["PermissionsBoundary"]
    broken["lz-network"]["Resources"]["VpcFlowLogIAMRole6A475D41"]["Properties"]["RoleName"] = "FlowLogs"
    findings = [str(f) for f in run(App(templates=broken)) if f.code == "UF-R019"]
    assert findings == [
        f"error UF-R019 lz-network/VpcFlowLogIAMRole6A475D41: AWS::IAM::Role: {_RULE}",
        f"error UF-R019 lz-fleet-p5-dev/{lid}: AWS::IAM::Role: {_RULE}",
    ]


_RULE = "IAM roles carry the spec's permissions boundary and role-name prefix (governance section)"


def test_shipped_specs_without_governance_get_no_boundary_names_or_metadata(cli_synth):
    governed = [stem for stem in cli_synth if "governance" in yaml.safe_load((ROOT / f"specs/{stem}.yaml").read_text())]
    assert governed == [EXAMPLE.stem]
    for stem, stacks in cli_synth.items():
        if stem in governed:
            continue
        for template in stacks.values():
            assert "UltrafleetGovernance" not in template.get("Metadata", {})
            for props in roles({"s": template}).values():
                assert "PermissionsBoundary" not in props and "RoleName" not in props


def test_cdk_custom_resource_provider_roles_are_guarded(tmp_path):
    stack = cdk.Stack(cdk.App(), "lz-storage")
    code = tmp_path / "handler"
    code.mkdir()
    (code / "index.js").write_text("exports.handler = async () => ({});\n")
    cdk.CustomResourceProvider.get_or_create_provider(
        stack, "Custom::Probe", code_directory=str(code), runtime=cdk.CustomResourceProviderRuntime.NODEJS_22_X
    )
    apply_role_guardrails(stack.node.root, RoleGuardrails(permissions_boundary_arn=BOUNDARY, role_name_prefix=PREFIX))
    template = stack.node.root.synth().get_stack_by_name("lz-storage").template
    (role,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert role["Properties"]["PermissionsBoundary"] == BOUNDARY
    name = role["Properties"]["RoleName"]
    assert name.startswith("lz-app-lz-storage-CustomProbeCustomResourceProvider-") and len(name) == 64


@pytest.mark.parametrize("prefix", ["", "a" * max_prefix_length("x" * 32)])
def test_role_names_fit_iam_for_the_longest_spec_and_fleet_names(prefix):
    spec, fleet = "s" * 32, "f" * 32
    name = role_name(prefix, f"{spec}-{fleet}-fleet-{fleet}", f"{fleet}/{fleet}Role/Resource")
    assert len(name) <= 64 and IAM_NAME.fullmatch(name)
    assert name.startswith(prefix + spec)
    assert name == role_name(prefix, f"{spec}-{fleet}-fleet-{fleet}", f"{fleet}/{fleet}Role/Resource")
    assert name != role_name(prefix, f"{spec}-{fleet}-fleet-{fleet}", f"{fleet}/{fleet}Role2/Resource")


def governed(**governance) -> dict:
    return spec_dict(name="governed", governance=governance)


def messages(data: dict) -> list[str]:
    with pytest.raises(SpecError) as exc:
        check(parse_spec(data))
    return [str(f) for f in exc.value.findings]


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::aws:policy/PowerUserAccess",
        "arn:aws-us-gov:iam::111122223333:policy/boundaries/LandingZone",
        "arn:aws-cn:iam::111122223333:policy/LZ",
    ],
)
def test_boundaries_in_every_partition_are_accepted(arn):
    check(parse_spec(governed(permissions_boundary_arn=arn)))


@pytest.mark.parametrize(
    "arn",
    ["arn:aws:iam::111122223333:role/LZ", "LandingZoneBoundary", "arn:aws:iam::1111:policy/LZ"],
)
def test_a_boundary_that_is_not_a_managed_policy_arn_is_an_error(arn):
    assert messages(governed(permissions_boundary_arn=arn)) == [
        f"error UF-GOV-001 governance.permissions_boundary_arn: '{arn}' is not an IAM managed policy ARN; use "
        "arn:<partition>:iam::<account>:policy/<name> (the landing zone's boundary policy, e.g. "
        "arn:aws:iam::123456789012:policy/LandingZoneBoundary)"
    ]


def test_the_longest_prefix_passes_and_one_more_character_fails():
    longest = max_prefix_length("governed")
    assert longest == 64 - len("governed-") - 9
    check(parse_spec(governed(role_name_prefix="p" * longest)))
    assert messages(governed(role_name_prefix="p" * (longest + 1))) == [
        f"error UF-GOV-003 governance.role_name_prefix: '{'p' * (longest + 1)}' is {longest + 1} characters: with "
        f"'governed-' and the 8-character digest a role name would exceed IAM's 64; use a prefix of at most "
        f"{longest} characters"
    ]


def test_an_empty_prefix_is_an_error():
    assert messages(governed(role_name_prefix="")) == [
        "error UF-GOV-002 governance.role_name_prefix: '' is empty; leave role_name_prefix out for generated names, "
        "or give the landing zone's prefix"
    ]


def test_a_prefix_with_characters_iam_rejects_is_an_error():
    assert messages(governed(role_name_prefix="lz/app:")) == [
        "error UF-GOV-002 governance.role_name_prefix: 'lz/app:' has characters IAM role names cannot hold; use "
        "letters, digits and + = , . @ _ -"
    ]


@pytest.mark.parametrize(
    ("budget", "expected"),
    [
        (
            {"monthly_usd": 0, "notify": ["a@example.com"]},
            "error UF-GOV-004 governance.budget.monthly_usd: 0 is not a budget; give the monthly limit in US "
            "dollars, more than 0",
        ),
        (
            {"monthly_usd": 10, "notify": ["finops"]},
            "error UF-GOV-005 governance.budget.notify[0]: 'finops' is neither an e-mail address nor an SNS topic "
            "ARN; use one of them",
        ),
        (
            {"monthly_usd": 10, "notify": [f"u{i}@example.com" for i in range(11)]},
            "error UF-GOV-006 governance.budget.notify: 11 e-mail addresses and 0 SNS topics: a budget alert "
            "reaches at most 10 addresses and 1 topic; send to an SNS topic that fans out",
        ),
        (
            {"monthly_usd": 10, "notify": ["a@example.com"], "thresholds_percent": [80, 80]},
            "error UF-GOV-007 governance.budget.thresholds_percent[1]: 80 is not allowed; use distinct percentages "
            "from 0.1 to 1,000,000,000",
        ),
        (
            {"monthly_usd": 10, "notify": ["a@example.com"], "thresholds_percent": [50, 80, 90, 100, 120]},
            "error UF-GOV-008 governance.budget.thresholds_percent: 5 thresholds and the forecasted alert make 6 "
            "notifications; a budget holds at most 5: keep 4 thresholds",
        ),
        (
            {"monthly_usd": 10, "notify": ["a@example.com"], "thresholds_percent": [0.05]},
            "error UF-GOV-007 governance.budget.thresholds_percent[0]: 0.05 is not allowed; use distinct percentages "
            "from 0.1 to 1,000,000,000",
        ),
    ],
)
def test_a_budget_aws_budgets_rejects_is_an_error(budget, expected):
    assert messages(governed(budget=budget)) == [expected]


def test_the_budget_filters_on_the_spec_tag_and_alerts_at_each_threshold(example_templates):
    (budget,) = [r for r in example_templates["lz-governance"]["Resources"].values()]
    assert budget["Type"] == "AWS::Budgets::Budget"
    props = budget["Properties"]
    assert props["Budget"] == {
        "BudgetName": "ultrafleet-lz",
        "BudgetType": "COST",
        "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": 250000, "Unit": "USD"},
        "CostFilters": {"TagKeyValue": ["user:ultrafleet:spec$lz"]},
    }
    subscribers = [
        {"SubscriptionType": "EMAIL", "Address": "ml-platform@example.com"},
        {"SubscriptionType": "SNS", "Address": "arn:aws:sns:us-east-1:111122223333:finops-alerts"},
    ]
    assert props["NotificationsWithSubscribers"] == [
        {
            "Notification": {
                "NotificationType": kind,
                "ComparisonOperator": "GREATER_THAN",
                "Threshold": threshold,
                "ThresholdType": "PERCENTAGE",
            },
            "Subscribers": subscribers,
        }
        for kind, threshold in [("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100)]
    ]


def test_no_budget_no_governance_stack():
    stacks = build_stacks(governed(role_name_prefix="lz-"))
    assert "governed-governance" not in [c.node.id for c in stacks.network.node.root.node.children]


class _Session:
    def __init__(self, client):
        self._client = client

    def client(self, service):
        assert service == "ce"
        return self._client


def test_tags_activate_calls_cost_explorer_with_every_tag_key(monkeypatch):
    import boto3
    from botocore.stub import Stubber
    from typer.testing import CliRunner

    from ultrafleet.account import credentials as live
    from ultrafleet.cli.commands import app

    ce = boto3.client("ce", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    keys = ["ultrafleet:spec", "ultrafleet:environment", "ultrafleet:fleet", "ultrafleet:role"]
    with Stubber(ce) as stub:
        stub.add_response(
            "update_cost_allocation_tags_status",
            {"Errors": [{"TagKey": "ultrafleet:role", "Code": "TagKeysNotFoundException", "Message": "not seen yet"}]},
            {"CostAllocationTagsStatus": [{"TagKey": k, "Status": "Active"} for k in keys]},
        )
        monkeypatch.setattr(live, "session", lambda region=None: _Session(ce))
        result = CliRunner().invoke(app, ["tags", "activate", str(EXAMPLE)])
        stub.assert_no_pending_responses()
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["error ultrafleet:role: TagKeysNotFoundException not seen yet"]
    assert result.stdout.splitlines() == [f"activated 3 of 4 tag keys: {', '.join(keys)}"]


def test_the_budget_template_passes_cfn_lint(example_templates):
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(example_templates["lz-governance"]), config=ManualArgs(regions=["us-east-1"]))
    assert [(m.rule.id, m.message) for m in matches] == []


def test_tag_keys_are_activated_twenty_at_a_time():
    from ultrafleet.account.cost_tags import activate, tag_keys

    calls = []

    class CostExplorer:
        def update_cost_allocation_tags_status(self, CostAllocationTagsStatus):
            calls.append([e["TagKey"] for e in CostAllocationTagsStatus])
            return {"Errors": []}

    spec = parse_spec(spec_dict(tags={f"team-{i}": "x" for i in range(21)}))
    keys = tag_keys(spec)
    assert keys[:4] == ["ultrafleet:spec", "ultrafleet:environment", "ultrafleet:fleet", "ultrafleet:role"]
    assert activate(CostExplorer(), keys) == []
    assert [len(c) for c in calls] == [20, 5] and [k for c in calls for k in c] == keys
