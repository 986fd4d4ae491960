"""Acknowledgements for the independent scanners (checkov, cfripper) in a resource's Metadata, each with its reason.

checkov reads its own key natively (``Metadata.checkov.skip: [{id, comment}]``), so a pipeline running the checkov
command line honours the same acknowledgements. cfripper has no metadata key of its own; the suite reads
``Metadata.cfripper.acknowledged: {rule: reason}``. An acknowledgement without a reason fails the suite.
"""

from __future__ import annotations

from aws_cdk import CfnResource

KMS_ROOT_STATEMENT = (
    "The key policy's only wildcard is its first statement, kms:* for the account's root: AWS KMS's documented "
    "default key policy (AWS KMS Developer Guide, 'Default key policy', key-policy-default.html: 'Allows access "
    "to the AWS account and enables IAM policies'). Without it IAM policies cannot grant the key and it can become "
    "unmanageable; principals get the key only through IAM policies and the named statements after it"
)


def ec2_describe_on_any(actions: list[str]) -> str:
    """The reason for EC2 Describe* reads on Resource '*'."""
    return (
        f"{' and '.join(actions)} support no resource-level permissions: the Service Authorization Reference for "
        "Amazon EC2 (list_amazonec2.html, 'Actions defined by Amazon EC2') lists no resource type for them, so IAM "
        "accepts them only on Resource '*'. They are read-only: the node reads its own (and its UltraServer peers') "
        "topology at boot"
    )


PCS_REGISTER_INSTANCE = (
    "pcs:RegisterComputeNodeGroupInstance on '*', exactly as AWS PCS's own instance-profile policy grants it (AWS "
    "PCS User Guide, 'IAM instance profiles for AWS PCS', security-instance-profiles.html): the PCS agent on the "
    "node registers it with the cluster at boot; only EC2 can assume this role and PCS accepts it only under the "
    "path /aws-pcs/"
)


def _join(earlier: str | None, reason: str) -> str:
    return reason if not earlier or reason in earlier else f"{earlier}; {reason}"


def acknowledge(
    resource: CfnResource, *, checkov: dict[str, str] | None = None, cfripper: dict[str, str] | None = None
):
    """Add acknowledgements (check id or rule name -> reason) to ``resource``'s Metadata, keeping earlier ones (a
    second reason for the same finding, e.g. another statement of the same policy, is appended to the first)."""
    if checkov:
        skips = {s["id"]: s["comment"] for s in (resource.get_metadata("checkov") or {}).get("skip", [])}
        for check, reason in checkov.items():
            skips[check] = _join(skips.get(check), reason)
        resource.add_metadata("checkov", {"skip": [{"id": check, "comment": why} for check, why in skips.items()]})
    if cfripper:
        acks = dict((resource.get_metadata("cfripper") or {}).get("acknowledged", {}))
        for rule, reason in cfripper.items():
            acks[rule] = _join(acks.get(rule), reason)
        resource.add_metadata("cfripper", {"acknowledged": acks})
    return resource


def acknowledge_default_policy(role, **acks: dict[str, str]) -> None:
    """Acknowledge findings on ``role``'s default policy (``AWS::IAM::Policy``), where ``add_to_policy`` puts its
    statements; call after the statement is added."""
    acknowledge(role.node.find_child("DefaultPolicy").node.default_child, **acks)
