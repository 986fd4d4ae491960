"""Landing-zone guardrails for every IAM role in a scope: a permissions boundary and a name prefix.

One CDK Aspect at the app (or pipeline stage) scope reaches every ``AWS::IAM::Role`` the stacks hold: the fleets'
instance roles, the pipeline's CodeBuild and CodePipeline roles, and the roles the CDK adds for its own custom
resources (which are plain ``CfnResource``s, not ``iam.CfnRole``s, so both are matched by resource type).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import jsii
from aws_cdk import Aspects, CfnResource, IAspect, Stack, Token
from constructs import Construct, IConstruct

from ultrafleet.validation.governance import ROLE_NAME_MAX, ROLE_NAME_SUFFIX

ROLE_TYPE = "AWS::IAM::Role"
METADATA_KEY = "UltrafleetGovernance"
"""Template Metadata naming the guardrails the stack's roles must carry."""
_UNSAFE = re.compile(r"[^\w+=,.@-]")
_GENERIC = {"Resource", "Default"}


@dataclass(frozen=True, kw_only=True)
class RoleGuardrails:
    """What every role gets.

    :param permissions_boundary_arn: set as PermissionsBoundary; default: none.
    :param role_name_prefix: roles are named ``<prefix><stack>-<construct>-<digest>``; default: generated names.
    """

    permissions_boundary_arn: str | None = None
    role_name_prefix: str | None = None

    def metadata(self) -> dict[str, str]:
        wanted = {"PermissionsBoundary": self.permissions_boundary_arn, "RoleNamePrefix": self.role_name_prefix}
        return {k: v for k, v in wanted.items() if v is not None}


def role_name(prefix: str, stack_name: str, path: str) -> str:
    """``<prefix><stack>-<construct>`` cut to fit, then ``-<digest>`` of the stack and the role's construct path,
    so the name is deterministic, unique within the account, and at most 64 characters."""
    parts = [p for p in path.split("/") if p not in _GENERIC]
    readable = _UNSAFE.sub("", f"{stack_name}-{'-'.join(parts[-2:])}")
    digest = hashlib.sha256(f"{stack_name}/{path}".encode()).hexdigest()[: ROLE_NAME_SUFFIX - 1]
    room = ROLE_NAME_MAX - len(prefix) - ROLE_NAME_SUFFIX
    return f"{prefix}{readable[:room].rstrip('-')}-{digest}"


@jsii.implements(IAspect)
class _GuardRoles:
    def __init__(self, guardrails: RoleGuardrails) -> None:
        self.guardrails = guardrails

    def visit(self, node: IConstruct) -> None:
        if Stack.is_stack(node):  # what the rule pack checks the roles against (ultrafleet.rules.role_guardrails)
            node.add_metadata(METADATA_KEY, self.guardrails.metadata())
            return
        if not (CfnResource.is_cfn_resource(node) and node.cfn_resource_type == ROLE_TYPE):
            return
        resource: CfnResource = node  # type: ignore[assignment]
        if self.guardrails.permissions_boundary_arn:
            resource.add_property_override("PermissionsBoundary", self.guardrails.permissions_boundary_arn)
        if self.guardrails.role_name_prefix is not None:
            stack = Stack.of(resource)
            if Token.is_unresolved(stack.stack_name):
                raise ValueError(f"{resource.node.path}: the stack's name must be known to name its roles")
            relative = resource.node.path.removeprefix(stack.node.path).lstrip("/")
            resource.add_property_override(
                "RoleName", role_name(self.guardrails.role_name_prefix, stack.stack_name, relative)
            )


def apply_role_guardrails(scope: Construct, guardrails: RoleGuardrails) -> None:
    """Give every IAM role under ``scope`` the boundary and the name prefix (nothing when both are unset)."""
    if guardrails.permissions_boundary_arn or guardrails.role_name_prefix is not None:
        Aspects.of(scope).add(_GuardRoles(guardrails))
