"""The load balancer's ACM certificate: a well-formed certificate ARN in the spec's own region and partition.

Sources: ACM User Guide, "Supported Regions" (https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html):
"To use a certificate with Elastic Load Balancing ... you must request or import a certificate for each region";
an ACM certificate ARN is ``arn:<partition>:acm:<region>:<account>:certificate/<certificate-id>`` (Service
Authorization Reference, AWS Certificate Manager, resource type certificate,
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscertificatemanager.html).
"""

from __future__ import annotations

import re

from ultrafleet.findings import Finding, error, excerpt
from ultrafleet.spec.models import Spec

PATH = "load_balancer.certificate_arn"
_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):acm:(?P<region>[a-z]{2}(-[a-z]+)+-\d+):\d{12}:certificate/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def partition(region: str) -> str:
    """The ARN partition of a region (aws-cn for China, aws-us-gov for GovCloud, aws elsewhere)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def check(spec: Spec) -> list[Finding]:
    arn = spec.load_balancer.certificate_arn
    if arn is None:
        return []
    match = _ARN.fullmatch(arn)
    if match is None:
        return [
            error(
                "UF-INF-010",
                PATH,
                f"{excerpt(arn)} is not an ACM certificate ARN; use arn:{partition(spec.region)}:acm:{spec.region}:"
                "<account>:certificate/<id> as ACM shows it",
            )
        ]
    if match["region"] != spec.region or match["partition"] != partition(spec.region):
        return [
            error(
                "UF-INF-011",
                PATH,
                f"{excerpt(arn)} is a certificate in {match['region']}; a load balancer in {spec.region} can only use "
                f"an ACM certificate of its own region; request or import one in {spec.region}",
            )
        ]
    return []
