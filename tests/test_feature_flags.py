"""cdk.json sets every CDK feature flag to the value a new project gets (docs/feature-flags.md), unless kept."""

from __future__ import annotations

import json

from conftest import ROOT

KEPT = {"@aws-cdk/core:defaultCrossStackReferences": "strong"}
"""Flags on another value than recommended; each has its reason in docs/feature-flags.md."""


def recommended_flags() -> dict:
    """The flags the pinned CLI's `cdk init` writes into a new project's cdk.json (its init templates' list, the
    same as aws-cdk-lib 2.275's recommended-feature-flags.json)."""
    return json.loads((ROOT / "node_modules/aws-cdk/lib/init-templates/.recommended-feature-flags.json").read_text())


def test_every_flag_is_set_to_its_recommended_value_unless_kept_with_a_reason():
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    recommended = recommended_flags()
    assert len(recommended) == 89
    assert {k: context.get(k) for k in recommended if context.get(k) != recommended[k]} == KEPT
    doc = (ROOT / "docs" / "feature-flags.md").read_text()
    assert all(f"| `{flag}` | `{json.dumps(value)}` |" in doc for flag, value in KEPT.items())
