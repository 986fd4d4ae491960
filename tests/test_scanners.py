"""Scanners nobody here wrote, over every template of every shipped spec, offline: checkov (its command line, once
over all templates, from its own venv) and cfripper (in-process). Every finding is fixed or acknowledged in the
resource's Metadata with a reason (ultrafleet/constructs/scanner_acks.py); anything else fails.
cfn-lint and cdk-nag run in tests/test_cfn_lint.py and tests/test_cdk_nag.py."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from conftest import ROOT, background_checkov, stack_templates
from ultrafleet.spec import load_spec

CFRIPPER_CANNOT_READ = {
    "frontier-inference": "listener Tags",
    "serving-inference": "listener Tags",
}
"""Templates cfripper 1.22.1 cannot read, and why: its model (pycfmodel 2.1.3's ELBv2ListenerProperties) forbids
``Tags`` on AWS::ElasticLoadBalancingV2::Listener, which CloudFormation's schema accepts and the CDK writes (the
spec's tags). When cfripper catches up, the test below fails: remove the entry, the template is scanned."""

CHECKOV_HAS_NO_CHECK_FOR = {
    "hpc-queues.template.json": {"AWS::PCS::Queue"},
    "lz-governance.template.json": {"AWS::Budgets::Budget"},
}
"""Templates made only of resource types checkov 3.3.30 has no CloudFormation check for (slurm-pcs's queues,
landing-zone's budget): parsed, but they yield no passed or skipped check. The test below names them, so a
template that checkov silently skips for any other reason still fails."""


def _cfripper(stem: str, template: dict):
    """cfripper's result for one template, with every rule, as its command line runs it."""
    import pycfmodel
    from cfripper.config.config import Config
    from cfripper.rule_processor import RuleProcessor
    from cfripper.rules import DEFAULT_RULES

    account = load_spec(ROOT / "specs" / f"{stem}.yaml").account
    config = Config(rules=DEFAULT_RULES.keys(), aws_account_id=account)
    processor = RuleProcessor(*[DEFAULT_RULES[rule](config) for rule in config.rules])
    return processor.process_cf_template(pycfmodel.parse(template).resolve(), config)


@pytest.fixture(scope="module")
def scans(cli_assemblies):
    """checkov's JSON report and cfripper's results ({stack: Result or the exception}), each run once."""
    templates = stack_templates(cli_assemblies)
    logging.disable(logging.WARNING)  # pycfmodel warns for every Fn::GetAtt it cannot resolve offline
    cfripper = {}
    for stack, (stem, path) in templates.items():
        try:
            cfripper[stack] = _cfripper(stem, json.loads(path.read_text()))
        except Exception as exc:  # which templates cfripper cannot read is what is checked
            cfripper[stack] = exc
    logging.disable(logging.NOTSET)
    returncode, stdout, stderr = background_checkov()
    assert returncode in (0, 1), stderr  # 1: failed checks, asserted below with their names
    return {"templates": templates, "checkov": json.loads(stdout), "cfripper": cfripper}


def test_checkov_scans_every_template_and_finds_nothing_unacknowledged(scans):
    report = scans["checkov"]
    assert report["check_type"] == "cloudformation"
    assert report["summary"]["parsing_errors"] == 0
    results = report["results"]
    failed = [(c["check_id"], c["file_path"], c["resource"], c["check_name"]) for c in results["failed_checks"]]
    assert failed == []
    scanned = {Path(c["file_path"]).name for kind in ("passed_checks", "skipped_checks") for c in results[kind]}
    unchecked = {p.name: p for _, p in scans["templates"].values() if p.name not in scanned}
    assert set(unchecked) == set(CHECKOV_HAS_NO_CHECK_FOR)
    for name, path in unchecked.items():
        types = {r["Type"] for r in json.loads(path.read_text())["Resources"].values()}
        assert types - {"AWS::CDK::Metadata"} == CHECKOV_HAS_NO_CHECK_FOR[name], name
    skipped = results["skipped_checks"]
    assert {c["check_id"] for c in skipped} == {"CKV_AWS_18", "CKV_AWS_2", "CKV_AWS_103", "CKV_AWS_111"}
    for check in skipped:  # a reason, and one that says why this resource is different
        assert len(check["check_result"]["suppress_comment"]) > 80, check


def test_cfripper_finds_nothing_unacknowledged(scans):
    scanned = 0
    for stack, result in scans["cfripper"].items():
        if isinstance(result, Exception):
            continue
        scanned += 1
        assert result.exceptions == [], stack
        resources = json.loads(scans["templates"][stack][1].read_text())["Resources"]
        for failure in result.failures:
            for lid in failure.resource_ids or {None}:
                acks = resources.get(lid, {}).get("Metadata", {}).get("cfripper", {}).get("acknowledged", {})
                assert len(acks.get(failure.rule, "")) > 80, (stack, lid, failure.rule, failure.reason)
    assert scanned == len(scans["templates"]) - len(CFRIPPER_CANNOT_READ)


def test_cfripper_cannot_read_exactly_the_named_templates_for_the_named_reason(scans):
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
    from pydantic import ValidationError

    crashed = {stack: exc for stack, exc in scans["cfripper"].items() if isinstance(exc, Exception)}
    assert set(crashed) == set(CFRIPPER_CANNOT_READ)
    for exc in crashed.values():
        assert isinstance(exc, ValidationError)
        forbidden = [e["loc"][-2:] for e in exc.errors() if e["type"] == "extra_forbidden"]
        assert forbidden == [("ELBv2ListenerProperties", "Tags")]
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::ElasticLoadBalancingV2::Listener")
    assert "Tags" in schema.schema["properties"]  # CloudFormation accepts what cfripper's model refuses


def test_every_acknowledgement_is_listed_in_the_docs(scans):
    doc = (ROOT / "docs" / "scanners.md").read_text()
    seen = set()
    for _, path in scans["templates"].values():
        for res in json.loads(path.read_text())["Resources"].values():
            meta = res.get("Metadata", {})
            seen |= {s["id"] for s in meta.get("checkov", {}).get("skip", [])}
            seen |= set(meta.get("cfripper", {}).get("acknowledged", {}))
    assert seen == {
        "CKV_AWS_18",
        "CKV_AWS_2",
        "CKV_AWS_103",
        "CKV_AWS_111",
        "GenericResourceWildcardPolicyRule",
        "WildcardResourceRule",
    }
    assert all(f" {ack} " in doc or f"{ack} (" in doc for ack in seen)
