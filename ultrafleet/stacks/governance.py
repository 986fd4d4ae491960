"""Apply a spec's ``governance`` section to the stacks of an app or pipeline stage."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from ultrafleet.constructs.landing_zone import RoleGuardrails, apply_role_guardrails
from ultrafleet.planning.names import StackNames
from ultrafleet.spec.models import Spec
from ultrafleet.stacks.governance_stack import GovernanceStack


def guardrails(spec: Spec) -> RoleGuardrails:
    gov = spec.governance
    if gov is None:
        return RoleGuardrails()
    return RoleGuardrails(permissions_boundary_arn=gov.permissions_boundary_arn, role_name_prefix=gov.role_name_prefix)


def govern(scope: Construct, spec: Spec, env: cdk.Environment) -> GovernanceStack | None:
    """The role guardrails on every role under ``scope``, and the ``<spec>-governance`` stack when the spec has a
    budget."""
    apply_role_guardrails(scope, guardrails(spec))
    if spec.governance is None or spec.governance.budget is None:
        return None
    name = StackNames(spec.name).governance
    return GovernanceStack(
        scope,
        name,
        stack_name=name,
        spec_name=spec.name,
        budget=spec.governance.budget,
        env=env,
        description=f"ultrafleet {spec.name}: monthly budget over the ultrafleet:spec cost-allocation tag",
    )
