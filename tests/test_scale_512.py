"""512 fleets in one spec (issue 17): the session's one 512-fleet synth (tests/scale_session.py, in the background
while the rest of the suite runs) has every stack within CloudFormation's and CloudWatch's quotas and equal to the
prediction, is cfn-lint clean, and grows from the same spec's 64 fleets without replacing or removing anything, as
`ultrafleet diff --against` reports it. `make bench` (bench/scale.py) does the same with every template linted and
deploys the 512 fleets into moto.

Opt-in (`pytest --scale-512`, or ULTRAFLEET_TEST_SCALE_512=1): the 512-fleet work adds about 60 CPU-seconds, 23 to
39 s of `make test` on two cores, under its 3 minutes but without margin yet (docs/speed.md has the figures)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from scale_session import CANARY, GROWN, LINTED_FLEETS, LINTED_SHARDS, OLDER, assembly, result, spec_file, wide
from shared_session import job_result

from ultrafleet.deploy.assembly import assembly_stacks, counted, template_file
from ultrafleet.planning.fleets import resolve_all
from ultrafleet.planning.stack_counts import (
    MAX_DASHBOARD_WIDGETS,
    MAX_OUTPUTS,
    MAX_PARAMETERS,
    MAX_RESOURCES,
    predict,
)
from ultrafleet.spec import load_spec

pytestmark = pytest.mark.scale_512

MAX_MAPPINGS = 200
"""Mappings declared in one template (AWS CloudFormation User Guide, 'Understand CloudFormation quotas')."""
MAX_TEMPLATE_BYTES = 1_000_000
"""A template body in an S3 object: "1 MB" on the same page; cfn-lint (E1002) reads it as 1,000,000 bytes."""


@pytest.fixture(scope="module")
def texts(scale_512) -> dict[str, str]:
    """{stack name: template text} of the 512-fleet assembly."""
    cdk_out = assembly(scale_512, GROWN)
    return {name: template_file(cdk_out, a).read_text() for name, a in assembly_stacks(cdk_out).items()}


def test_512_fleets_synthesize_every_stack_within_its_quotas_and_as_predicted(scale_512, texts):
    templates = {name: json.loads(text) for name, text in texts.items()}
    spec = load_spec(spec_file(scale_512, GROWN))
    prediction = {
        c.stack: (c.resources, c.outputs, c.parameters, c.dashboard_widgets) for c in predict(spec, resolve_all(spec))
    }
    assert prediction == {name: counted(templates[name]) for name in prediction}
    shards = ["wide-observability", *(f"wide-observability-{i}" for i in range(1, 6))]
    assert sorted(templates) == sorted(
        ["wide-network", "wide-storage", *shards, *(f"wide-fleet-t{i:03d}" for i in range(GROWN))]
    )
    for name, template in templates.items():
        resources, outputs, parameters, widgets = counted(template)
        assert resources <= MAX_RESOURCES, name
        assert outputs <= MAX_OUTPUTS, name
        assert parameters <= MAX_PARAMETERS, name
        assert len(template.get("Mappings", {})) <= MAX_MAPPINGS, name
        assert (widgets or 0) <= MAX_DASHBOARD_WIDGETS, name
        assert len(texts[name].encode()) <= MAX_TEMPLATE_BYTES, name
        if name.startswith("wide-fleet-"):  # no other stack imports from a fleet stack: each destroys on its own
            assert template.get("Outputs", {}) == {}, name
    assert max(counted(templates[s])[0] for s in shards) == 499  # the quotas are approached, not avoided


def test_cfn_lint_is_clean_on_every_shared_stack_and_a_sample_of_fleet_stacks(scale_512):
    """cfn-lint (errors, warnings and its informational findings, among them E3010's resource, E6010's output and
    E1002's template-size checks) on the network and storage stacks, the first and the last observability shard and
    the first, the 191st and the last fleet stack. The others are the same code with other names (scale_session's
    LINTED_FLEETS and LINTED_SHARDS say why and what each costs); bench/scale.py lints all 520. A template over the
    output quota, linted in the same run, shows that check firing."""
    linted = result(scale_512, "lint", "the 512-fleet cfn-lint run")
    assert "error" not in linted, linted["error"]
    findings = []
    for job in linted["jobs"]:
        code, stdout, stderr = job_result(scale_512 / job, "cfn-lint of the 512-fleet assembly")
        assert stdout, f"cfn-lint exited {code} without findings: {stderr[-2000:]}"
        findings += json.loads(stdout)
    paths = [path for paths in linted["jobs"].values() for path in paths]
    stacks = sorted(Path(path).name.removesuffix(".template.json") for path in paths)
    sampled = [f"wide-fleet-{name}" for name in LINTED_FLEETS]
    assert stacks == sorted(["canary-over-quota", "wide-network", "wide-storage", *LINTED_SHARDS, *sampled])
    canary = sorted({f["Rule"]["Id"] for f in findings if Path(f["Filename"]).name == CANARY})
    assert canary == ["E6010"]
    assert [f for f in findings if Path(f["Filename"]).name != CANARY] == []


def test_growing_64_fleets_to_512_replaces_and_removes_nothing(scale_512):
    """`ultrafleet diff wide-512.yaml --against` the same spec's 64-fleet assembly (equal name and network settings:
    scale_session.wide): the 64 fleet stacks and the network stack are unchanged, the storage stack and the first
    observability shard change in place, the other 453 stacks are new, and nothing is replaced or removed."""
    diff = result(scale_512, "diff", "the 512-fleet diff")
    assert "error" not in diff, diff["error"]
    assert diff["crash"] is None, diff["crash"]
    assert diff["exit_code"] == 0, diff["stdout"][-3000:] + diff["stderr"][-3000:]
    lines = diff["stdout"].splitlines()
    assert lines[-1] == "0 replacements or removals, 0 blocked"
    older = assembly(scale_512, OLDER)
    unchanged = [f"wide-fleet-t{i:03d}" for i in range(OLDER)] + ["wide-network"]
    same = re.compile(rf"^Stack (\S+): no differences \(the same template as in {re.escape(str(older))}\)$")
    assert sorted(m[1] for line in lines if (m := same.match(line))) == sorted(unchanged)
    new = re.compile(rf"^Stack (\S+): new \(not in {re.escape(str(older))}\)$")
    added = [f"wide-fleet-t{i:03d}" for i in range(OLDER, GROWN)] + [f"wide-observability-{i}" for i in range(1, 6)]
    assert sorted(m[1] for line in lines if (m := new.match(line))) == sorted(added)
    # the two stacks `cdk diff` compared: each changes, nothing in them is replaced, destroyed or orphaned
    compared = [line.split()[1] for line in lines if re.match(r"^Stack \S+$", line)]
    assert sorted(compared) == ["wide-observability", "wide-storage"]
    assert "Number of stacks with differences: 1" in diff["stdout"]
    verdicts = [line for line in lines if re.search(r" (replace|may be replaced|destroy|orphan)$", line.rstrip())]
    assert verdicts == []
    assert wide(OLDER)["network"] == wide(GROWN)["network"]
