"""Turn EC2 DescribeInstanceTypes records into ultrafleet's catalog entries.

Pure functions: the regeneration script feeds them boto3 output (real AWS or moto), and the drift test
compares the result with the shipped ``instance_types.json``.
"""

from __future__ import annotations

from typing import Any

SOURCE = "EC2 DescribeInstanceTypes (ec2:DescribeInstanceTypes API)"


def _accelerators(record: dict[str, Any]) -> dict[str, Any] | None:
    if gpu := record.get("GpuInfo"):
        first = gpu["Gpus"][0]
        return {
            "kind": "gpu",
            "manufacturer": first["Manufacturer"],
            "model": first["Name"],
            "count": sum(g["Count"] for g in gpu["Gpus"]),
            "memory_mib_each": first["MemoryInfo"]["SizeInMiB"],
        }
    if neuron := record.get("NeuronInfo"):
        first = neuron["NeuronDevices"][0]
        return {
            "kind": "neuron",
            "manufacturer": "AWS",
            "model": first["Name"],
            "count": sum(d["Count"] for d in neuron["NeuronDevices"]),
            "memory_mib_each": first["MemoryInfo"]["SizeInMiB"],
        }
    return None


def _nvme(record: dict[str, Any]) -> dict[str, Any] | None:
    storage = record.get("InstanceStorageInfo")
    if not storage:
        return None
    disk = storage["Disks"][0]
    return {"count": disk["Count"], "size_gb": disk["SizeInGB"], "total_gb": storage["TotalSizeInGB"]}


def _card(card: dict[str, Any]) -> dict[str, Any]:
    return {
        "index": card["NetworkCardIndex"],
        "interface_types": sorted(card.get("InterfaceTypes", ["interface"])),
        "max_interfaces": card["MaximumNetworkInterfaces"],
        "baseline_gbps": card.get("BaselineBandwidthInGbps"),
        "peak_gbps": card.get("PeakBandwidthInGbps"),
    }


def entry_from_record(record: dict[str, Any]) -> dict[str, Any]:
    """One catalog entry from one DescribeInstanceTypes ``InstanceTypes[]`` record."""
    network = record["NetworkInfo"]
    return {
        "vcpus": record["VCpuInfo"]["DefaultVCpus"],
        "memory_mib": record["MemoryInfo"]["SizeInMiB"],
        "architectures": sorted(record["ProcessorInfo"]["SupportedArchitectures"]),
        "accelerators": _accelerators(record),
        "network": {
            "performance": network["NetworkPerformance"],
            "efa_supported": network.get("EfaSupported", False),
            "max_efa_interfaces": network.get("EfaInfo", {}).get("MaximumEfaInterfaces", 0),
            "ipv4_per_interface": network["Ipv4AddressesPerInterface"],
            "cards": [_card(c) for c in sorted(network["NetworkCards"], key=lambda c: c["NetworkCardIndex"])],
        },
        "nvme": _nvme(record),
        "placement_strategies": sorted(record.get("PlacementGroupInfo", {}).get("SupportedStrategies", [])),
        "source": SOURCE,
    }


def entries_from_records(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Catalog entries keyed by instance type, sorted for a stable, diffable file."""
    return {r["InstanceType"]: entry_from_record(r) for r in sorted(records, key=lambda r: r["InstanceType"])}
