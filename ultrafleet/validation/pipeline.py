"""Pipeline: its stages name environments, once each, and every staged environment has an account to deploy to."""

from __future__ import annotations

from ultrafleet.findings import Finding, SpecError, error
from ultrafleet.spec.models import Pipeline, Spec


def required(spec: Spec) -> Pipeline:
    """The spec's pipeline section; SpecError when it has none."""
    if spec.pipeline is None:
        raise SpecError([error("UF-PIPE-000", "pipeline", "is not set; add a pipeline: section to deploy with one")])
    return spec.pipeline


def check(spec: Spec) -> list[Finding]:
    if spec.pipeline is None:
        return []
    out: list[Finding] = []
    seen: set[str] = set()
    defined = ", ".join(spec.environments) or "none; add an environments: section"
    for i, stage in enumerate(spec.pipeline.stages):
        path = f"pipeline.stages[{i}]"
        if stage not in spec.environments:
            out.append(error("UF-PIPE-001", path, f"'{stage}' is not an environment of this spec; defined: {defined}"))
        elif stage in seen:
            out.append(error("UF-PIPE-002", path, f"'{stage}' is deployed by an earlier stage; list it once"))
        elif not (spec.environments[stage].account or spec.account):
            out.append(
                error(
                    "UF-PIPE-003",
                    path,
                    f"environment '{stage}' has no account; a pipeline deploys to explicit accounts: set "
                    f"environments.{stage}.account or the spec's account",
                )
            )
        seen.add(stage)
    return out
