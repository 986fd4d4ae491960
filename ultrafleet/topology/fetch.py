"""Read DescribeInstanceTopology for a deployed fleet: by placement group, Auto Scaling group, ultrafleet fleet
tag or instance ids. Paginated, 100 ids per request; missing permissions become a clear error."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ultrafleet.findings import SpecError, error

DENIED = {"UnauthorizedOperation", "AccessDenied", "AccessDeniedException"}
CHUNK = 100


def _denied(exc: ClientError, action: str) -> SpecError:
    return SpecError(
        [
            error(
                "UF-TOPO-010",
                action,
                f"is not allowed for these credentials ({exc.response['Error']['Code']}); grant {action} to the caller",
            )
        ]
    )


def _call(fn, action: str, **kwargs) -> Any:
    try:
        return fn(**kwargs)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in DENIED:
            raise _denied(exc, action) from None
        raise


def instance_ids_for(ec2: Any, autoscaling: Any, *, asg: str | None, fleet: str | None) -> list[str]:
    if asg:
        groups = _call(
            autoscaling.describe_auto_scaling_groups,
            "autoscaling:DescribeAutoScalingGroups",
            AutoScalingGroupNames=[asg],
        )["AutoScalingGroups"]
        if not groups:
            raise SpecError([error("UF-TOPO-011", "--asg", f"'{asg}': no such Auto Scaling group")])
        return [i["InstanceId"] for i in groups[0]["Instances"]]
    pages = _call(
        lambda **kw: list(ec2.get_paginator("describe_instances").paginate(**kw)),
        "ec2:DescribeInstances",
        Filters=[
            {"Name": "tag:ultrafleet:fleet", "Values": [fleet]},
            {"Name": "instance-state-name", "Values": ["running"]},
        ],
    )
    return [i["InstanceId"] for p in pages for r in p["Reservations"] for i in r["Instances"]]


def hostnames(ec2: Any, ids: list[str]) -> dict[str, str]:
    """Instance id -> short private DNS name (ip-10-0-1-2), what schedulers call the nodes."""
    names = {}
    for start in range(0, len(ids), CHUNK):
        pages = _call(
            lambda **kw: list(ec2.get_paginator("describe_instances").paginate(**kw)),
            "ec2:DescribeInstances",
            InstanceIds=ids[start : start + CHUNK],
        )
        for page in pages:
            for reservation in page["Reservations"]:
                for inst in reservation["Instances"]:
                    if inst.get("PrivateDnsName"):
                        names[inst["InstanceId"]] = inst["PrivateDnsName"].split(".")[0]
    return names


def describe_topology(
    ec2: Any, *, instance_ids: list[str] | None = None, placement_group: str | None = None
) -> list[dict[str, Any]]:
    paginator = ec2.get_paginator("describe_instance_topology")
    requests = (
        [{"GroupNames": [placement_group]}]
        if placement_group
        else [{"InstanceIds": instance_ids[s : s + CHUNK]} for s in range(0, len(instance_ids or []), CHUNK)]
    )
    out = []
    for request in requests:
        pages = _call(lambda **kw: list(paginator.paginate(**kw)), "ec2:DescribeInstanceTopology", **request)
        out += [i for p in pages for i in p["Instances"]]
    return out
