"""AWS::IAM::Role ManagedPolicyArns: moto 5.2.5's model ignores them. Attach them through moto's IAM backend,
which knows AWS's managed policies when MOTO_IAM_LOAD_MANAGED_POLICIES is true (the harness sets it), and
detach them before the role is deleted, as CloudFormation does."""

from __future__ import annotations

from typing import Any

from moto.iam.models import Role, iam_backends
from moto.utilities.utils import get_partition

_original_create = Role.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
_original_delete = Role.delete_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _create(
    cls: type[Role],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Role:
    role = _original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    backend = iam_backends[account_id][get_partition(region_name)]
    for arn in cloudformation_json.get("Properties", {}).get("ManagedPolicyArns", []):
        backend.attach_role_policy(arn, role.name)
    return role


def _delete(
    cls: type[Role], resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
) -> None:
    backend = iam_backends[account_id][get_partition(region_name)]
    role = next((r for r in backend.roles.values() if r.name == resource_name), None)
    if role is not None:
        for arn in list(role.managed_policies):
            backend.detach_role_policy(arn, role.name)
    _original_delete(cls, resource_name, cloudformation_json, account_id, region_name)


def install() -> None:
    Role.create_from_cloudformation_json = classmethod(_create)  # type: ignore[method-assign,assignment]
    Role.delete_from_cloudformation_json = classmethod(_delete)  # type: ignore[method-assign,assignment]
