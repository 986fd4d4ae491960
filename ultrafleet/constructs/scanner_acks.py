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


def acknowledge(
    resource: CfnResource, *, checkov: dict[str, str] | None = None, cfripper: dict[str, str] | None = None
):
    """Add acknowledgements (check id or rule name -> reason) to ``resource``'s Metadata, keeping earlier ones."""
    if checkov:
        skips = list((resource.get_metadata("checkov") or {}).get("skip", []))
        skips += [{"id": check, "comment": reason} for check, reason in checkov.items()]
        resource.add_metadata("checkov", {"skip": skips})
    if cfripper:
        acks = dict((resource.get_metadata("cfripper") or {}).get("acknowledged", {}))
        resource.add_metadata("cfripper", {"acknowledged": acks | cfripper})
    return resource
