"""Service Quotas: the vCPU-based On-Demand quota of each instance family, and network interfaces per Region."""

from __future__ import annotations

from collections import defaultdict

from botocore.exceptions import ClientError

from ultrafleet import catalog
from ultrafleet.account.preflight import Clients, Result, max_instances, on_demand_instances
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import Spec

VCPU_QUOTAS = (
    ("trn", "L-2C3B7624", "Running On-Demand Trn instances"),
    ("inf", "L-1945791B", "Running On-Demand Inf instances"),
    ("dl", "L-6E869C2A", "Running On-Demand DL instances"),
    ("p", "L-417A185B", "Running On-Demand P instances"),
    ("g", "L-DB2E81BA", "Running On-Demand G and VT instances"),
    ("", "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances"),
)
"""(family prefix, quota code, quota name), first match wins. Quotas count vCPUs of running On-Demand instances per
family (Amazon EC2 User Guide, ec2-on-demand-instances.html, "On-Demand Instance quotas"); codes as the Service
Quotas console lists them for service ``ec2``. Public sources disagree on Trn's code (L-2C3B7624, also seen as
L-2C49D5F8); the check names the quota so a mismatch shows as "not found", never as a false pass."""
ENI_QUOTA = ("vpc", "L-DF5E4CA3", "Network interfaces per Region")
"""Amazon VPC User Guide, amazon-vpc-limits.html, "Network interfaces per Region" (service code vpc)."""
CAPACITY_BLOCKS_EXCLUDED = "capacity-block"
"""Capacity Block fleets are left out of the vCPU sums: the block's own size bounds them (checked with the
reservation)."""


def quota_for(instance_type: str) -> tuple[str, str]:
    family = instance_type.split(".")[0]
    return next((code, name) for prefix, code, name in VCPU_QUOTAS if family.startswith(prefix))


def _quota(clients: Clients, service: str, code: str) -> float | None:
    try:
        return float(clients.service_quotas.get_service_quota(ServiceCode=service, QuotaCode=code)["Quota"]["Value"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchResourceException":
            return None
        raise


def _running_vcpus(clients: Clients) -> dict[str, int]:
    """Quota code -> vCPUs of the pending and running instances it counts now."""
    used: dict[str, int] = defaultdict(int)
    pages = clients.ec2.get_paginator("describe_instances").paginate(
        Filters=[{"Name": "instance-state-name", "Values": ["pending", "running"]}]
    )
    for page in pages:
        for reservation in page["Reservations"]:
            for i in reservation["Instances"]:
                if i.get("InstanceLifecycle") == "spot":
                    continue
                used[quota_for(i["InstanceType"])[0]] += _vcpus(i)
    return used


def _vcpus(instance: dict) -> int:
    """An instance's vCPUs: its CPU options (cores x threads), else the catalog's count for its type."""
    cpu = instance.get("CpuOptions", {})
    if "CoreCount" in cpu:
        return cpu["CoreCount"] * cpu.get("ThreadsPerCore", 1)
    known = catalog.instance_types().get(instance["InstanceType"])
    return (known.vcpus or 0) if known else 0


def vcpus(spec: Spec, fleets: list[ResolvedFleet], clients: Clients) -> list[Result]:
    needed: dict[tuple[str, str], int] = defaultdict(int)
    names: dict[tuple[str, str], list[str]] = defaultdict(list)
    out = []
    for f in fleets:
        if f.spec.capacity.type == CAPACITY_BLOCKS_EXCLUDED or not on_demand_instances(f):
            continue
        key = quota_for(f.instance_type.name)
        if f.instance_type.vcpus is None:
            out.append(
                Result(
                    level="warning",
                    code="UF-PRE-001",
                    subject=f"{f.path} ({f.spec.name})",
                    message=f"the catalog has no vCPU count for {f.instance_type.name}; check {key[1]} ({key[0]}) "
                    "by hand",
                )
            )
            continue
        needed[key] += on_demand_instances(f) * f.instance_type.vcpus
        names[key].append(f.spec.name)
    used = _running_vcpus(clients) if needed else {}
    for (code, name), need in needed.items():
        value = _quota(clients, "ec2", code)
        subject = f"quota {code} {name}"
        if value is None:
            out.append(
                Result(
                    level="warning",
                    code="UF-PRE-001",
                    subject=subject,
                    message=f"not found in Service Quotas; needed {need} vCPUs ({', '.join(names[code, name])}); "
                    "check the family's On-Demand quota in the Service Quotas console",
                )
            )
            continue
        free = int(value) - used.get(code, 0)
        numbers = f"needed {need} vCPUs ({', '.join(names[code, name])}), available {free} (quota {value:g}, " + (
            f"{used.get(code, 0)} in use)"
        )
        if need <= free:
            out.append(Result(level="ok", code="UF-PRE-001", subject=subject, message=numbers))
        else:
            out.append(
                Result(
                    level="error",
                    code="UF-PRE-001",
                    subject=subject,
                    message=f"{numbers}; request an increase to at least {need + used.get(code, 0)}: aws "
                    f"service-quotas request-service-quota-increase --service-code ec2 --quota-code {code} "
                    f"--desired-value {need + used.get(code, 0)} --region {spec.region}",
                )
            )
    return out


def network_interfaces(fleets: list[ResolvedFleet], clients: Clients) -> list[Result]:
    service, code, name = ENI_QUOTA
    need = sum(max_instances(f) * len(f.layout) for f in fleets)
    value = _quota(clients, service, code)
    subject = f"quota {code} {name}"
    if value is None:
        return [Result(level="warning", code="UF-PRE-002", subject=subject, message="not found in Service Quotas")]
    in_use = sum(
        len(page["NetworkInterfaces"]) for page in clients.ec2.get_paginator("describe_network_interfaces").paginate()
    )
    free = int(value) - in_use
    numbers = f"needed {need} interfaces (every ENA and EFA interface of every instance), available {free} (quota " + (
        f"{value:g}, {in_use} in use)"
    )
    if need <= free:
        return [Result(level="ok", code="UF-PRE-002", subject=subject, message=numbers)]
    return [
        Result(
            level="error",
            code="UF-PRE-002",
            subject=subject,
            message=f"{numbers}; request an increase to at least {need + in_use} (service code vpc, {code})",
        )
    ]
