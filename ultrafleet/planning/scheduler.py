"""What a fleet becomes under a scheduler (EKS managed node group or AWS PCS compute node group), as plain data.

Imports no CDK: validation, ``ultrafleet plan`` and the constructs all read these tables. Sources are named next
to each fact; docs/schedulers.md explains the choices.
"""

from __future__ import annotations

from dataclasses import dataclass

from ultrafleet.catalog import InstanceType
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.spec.models import EksScheduler, Fleet, PcsScheduler, Spec

EKS_KUBERNETES_VERSIONS = ("1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35")
"""Versions EKS offers in standard or extended support. Source: Amazon EKS User Guide, "Understand the Kubernetes
version lifecycle on EKS" (kubernetes-versions.html: 1.32-1.34 standard, 1.29-1.31 extended at the stored
revision); 1.35 was released on EKS on 28 Jan 2026 (endoflife.date/amazon-eks, the AWS page's later revision).
A version past its end of extended support (1.29: 23 Mar 2026) can no longer create clusters; ultrafleet joins
existing clusters, so it keeps the version until EKS removes its AMIs."""

GB200_MIN_KUBERNETES = "1.33"
"""EKS supports P6e-GB200 UltraServers from Kubernetes 1.33 (DRA on by default). Source: Amazon EKS User Guide,
"Use P6e-GB200 UltraServers with Amazon EKS"."""

EKS_REPAIR_THRESHOLD_PERCENT = (1, 100)
"""NodeRepairConfig.MaxUnhealthyNodeThresholdPercentage: 1-100 (EKS API Reference, NodeRepairConfig; the
CloudFormation schema of AWS::EKS::Nodegroup has the same bounds)."""

AL2023_ROOT_DEVICE = "/dev/xvda"
"""Root device of the EKS-optimized AL2023 AMIs (amazon-eks-ami, templates/al2023/template.json:
ami_block_device_mappings device_name /dev/xvda)."""

GPU_TAINT = "nvidia.com/gpu"
NEURON_TAINT = "aws.amazon.com/neuron"
"""Resource names the device plugins advertise; tolerating the taint of the same name is how EKS's guides keep
general pods off accelerated nodes (EKS User Guide, "Prevent Pods from being scheduled on specific nodes" and
the NVIDIA/Neuron device plugin pages)."""

LABEL_PREFIX = "ultrafleet.io"


@dataclass(frozen=True, kw_only=True)
class ClusterComponent:
    """Something the cluster must run for these nodes to be useful; ultrafleet lists it and installs nothing."""

    name: str
    why: str
    source: str


def scheduled(spec: Spec, fleet: Fleet) -> bool:
    """Whether the spec's scheduler owns this fleet's nodes (a fleet opts out with ``scheduler: none``)."""
    return spec.scheduler is not None and fleet.scheduler != "none"


def eks(spec: Spec) -> EksScheduler | None:
    return spec.scheduler if isinstance(spec.scheduler, EksScheduler) else None


def pcs(spec: Spec) -> PcsScheduler | None:
    return spec.scheduler if isinstance(spec.scheduler, PcsScheduler) else None


def ami_type(itype: InstanceType) -> str:
    """The EKS-optimized AL2023 AMI type for the instance type. Source: EKS API Reference, Nodegroup.amiType
    (AL2023_x86_64_NVIDIA, AL2023_ARM_64_NVIDIA, AL2023_x86_64_NEURON, AL2023_*_STANDARD); EKS User Guide,
    "Use P6e-GB200 UltraServers with Amazon EKS" recommends the AL2023 ARM NVIDIA variant for Grace-based GB200."""
    arm = itype.architecture == "arm64"
    kind = itype.accelerator_kind
    if kind == "gpu":
        return "AL2023_ARM_64_NVIDIA" if arm else "AL2023_x86_64_NVIDIA"
    if kind == "neuron":
        return "AL2023_x86_64_NEURON"
    return "AL2023_ARM_64_STANDARD" if arm else "AL2023_x86_64_STANDARD"


def eks_capacity_type(fleet: Fleet) -> str:
    """ON_DEMAND, SPOT or CAPACITY_BLOCK (AWS::EKS::Nodegroup CapacityType). A Capacity Reservation is On-Demand
    capacity targeted through the launch template (EKS User Guide, "Manage compute for AI/ML workloads on Amazon
    EKS with node groups")."""
    return {"spot": "SPOT", "capacity-block": "CAPACITY_BLOCK"}.get(fleet.capacity.type, "ON_DEMAND")


def pcs_purchase_option(fleet: Fleet) -> str:
    """ONDEMAND, SPOT or CAPACITY_BLOCK (AWS::PCS::ComputeNodeGroup PurchaseOption; AWS PCS User Guide,
    "Configure an AWS PCS compute node group to use a Capacity Block")."""
    return {"spot": "SPOT", "capacity-block": "CAPACITY_BLOCK"}.get(fleet.capacity.type, "ONDEMAND")


def node_labels(fleet: ResolvedFleet, scheduler: EksScheduler) -> dict[str, str]:
    """Labels known at synth, set through the node group's Labels. EKS itself adds eks.amazonaws.com/capacityType
    (ON_DEMAND or SPOT; EKS User Guide, "Managed node group capacity types") and the network topology labels
    topology.k8s.aws/network-node-layer-1..4 (EKS User Guide, "Place distributed AI/ML workloads with network
    topology labels"), so ultrafleet adds neither. ultrafleet.io/capacity tells a Capacity Reservation from plain
    On-Demand, which EKS's label does not."""
    spec = fleet.spec
    labels = {
        f"{LABEL_PREFIX}/fleet": spec.name,
        f"{LABEL_PREFIX}/role": spec.role.value,
        f"{LABEL_PREFIX}/capacity": spec.capacity.type,
        f"{LABEL_PREFIX}/efa-count": str(fleet.efa_interfaces),
    }
    return {**labels, **scheduler.node_labels}


def node_taints(fleet: ResolvedFleet, scheduler: EksScheduler) -> list[dict[str, str]]:
    """The spec's taints, or by default the accelerator's resource-name taint (NoSchedule)."""
    if scheduler.node_taints is not None:
        return [{"key": t.key, "value": t.value, "effect": t.effect} for t in scheduler.node_taints]
    key = {"gpu": GPU_TAINT, "neuron": NEURON_TAINT}.get(fleet.instance_type.accelerator_kind or "")
    return [{"key": key, "value": "true", "effect": "NO_SCHEDULE"}] if key else []


def boot_labels_needed(fleet: ResolvedFleet) -> bool:
    """The Capacity Block (and for UltraServers the UltraServer) a node landed in is known only on the node, from
    its DescribeInstanceTopology entry (CapacityBlockId)."""
    return fleet.spec.capacity.type == "capacity-block" or fleet.ultraserver is not None


def repair_config(fleet: Fleet, scheduler: EksScheduler) -> dict:
    """NodeRepairConfig in CloudFormation's shape."""
    repair = scheduler.repair
    config: dict = {"Enabled": repair.enabled}
    if repair.enabled:
        config["MaxUnhealthyNodeThresholdPercentage"] = repair.max_unhealthy_percent
        if repair.max_parallel is not None:
            config["MaxParallelNodesRepairedCount"] = repair.max_parallel
        reserved = fleet.capacity.type in ("capacity-block", "capacity-reservation")
        overrides = [o for o in repair.overrides if reserved or not o.reserved_only]
        if overrides:
            config["NodeRepairConfigOverrides"] = [
                {
                    "NodeMonitoringCondition": o.condition,
                    "NodeUnhealthyReason": o.reason,
                    "RepairAction": o.action,
                    "MinRepairWaitTimeMins": o.wait_minutes,
                }
                for o in overrides
            ]
    return config


def cni_addresses_per_node(fleet: ResolvedFleet, scheduler: EksScheduler) -> int:
    """VPC addresses one node takes at full pod density: its interfaces' primary addresses, one per pod (the VPC
    CNI gives every pod a VPC address from the node's ENA interfaces; EFA-only interfaces take none), and the
    CNI's warm pool: WARM_IP_TARGET addresses, or by default one whole interface's worth (WARM_ENI_TARGET=1).
    Source: Amazon VPC CNI, docs/eni-and-ip-target.md; EKS User Guide, "Assign IPs to Pods with the Amazon VPC
    CNI"."""
    cni = scheduler.cni
    warm = cni.warm_ip_target if cni.warm_ip_target is not None else (fleet.instance_type.ipv4_per_interface or 0)
    return fleet.ip_addresses_per_instance + cni.max_pods + warm


def addresses_per_node(fleet: ResolvedFleet, spec: Spec) -> int:
    """VPC addresses a node of this fleet takes: with the EKS CNI's pods and warm pool, else its interfaces'."""
    scheduler = eks(spec)
    if scheduler and scheduled(spec, fleet.spec):
        return cni_addresses_per_node(fleet, scheduler)
    return fleet.ip_addresses_per_instance


def pcs_queues(spec: Spec, scheduler: PcsScheduler) -> dict[str, list[str]]:
    """Queue name -> fleet names: the spec's ``queues``, or one queue per scheduled fleet named after it."""
    if scheduler.queues is not None:
        return scheduler.queues
    return {f.name: [f.name] for f in spec.fleets if scheduled(spec, f)}


def scheduled_queue_names(spec: Spec) -> dict[str, str]:
    """Fleet name -> the PCS queue its own stack creates (the default, one queue per fleet); none when the spec
    lists ``queues`` (a queue of several fleets lives in its own stack, see ``create_stacks``)."""
    scheduler = pcs(spec)
    if scheduler is None or scheduler.queues is not None:
        return {}
    return {queue: queue for queue in pcs_queues(spec, scheduler)}


EKS_COMPONENTS = (
    ClusterComponent(
        name="EKS node monitoring agent (eks-node-monitoring-agent add-on)",
        why="reports the node conditions (AcceleratedHardwareReady, NetworkingReady, ...) that node auto repair "
        "acts on; without it repair sees only NotReady",
        source="EKS User Guide, Detect node health issues and enable automatic node repair",
    ),
    ClusterComponent(
        name="NVIDIA device plugin, or the NVIDIA GPU Operator with driver and toolkit disabled",
        why="advertises nvidia.com/gpu; the EKS-optimized NVIDIA AMIs carry the driver but no device plugin",
        source="EKS User Guide, Use P6e-GB200 UltraServers with Amazon EKS (Considerations)",
    ),
    ClusterComponent(
        name="NVIDIA DRA driver with ComputeDomains (GB200 NVL72 fleets)",
        why="creates the IMEX domain that follows each job across the UltraServer's NVLink; the driver runs "
        "IMEX, so the host's own IMEX service is left to it",
        source="EKS User Guide, Use P6e-GB200 UltraServers with Amazon EKS (Components)",
    ),
    ClusterComponent(
        name="EFA Kubernetes device plugin (aws-efa-k8s-device-plugin)",
        why="advertises vpc.amazonaws.com/efa so pods get the EFA interfaces",
        source="EKS User Guide, Run machine learning training on Amazon EKS with Elastic Fabric Adapter",
    ),
    ClusterComponent(
        name="Neuron device plugin (Trainium and Inferentia fleets)",
        why="advertises aws.amazon.com/neuron cores and devices",
        source="EKS User Guide, Use AWS Inferentia/Trainium instances with Amazon EKS",
    ),
)

PCS_COMPONENTS = (
    ClusterComponent(
        name="A PCS-compatible AMI (PCS agent and Slurm of the cluster's version)",
        why="PCS launches nodes from the AMI and registers them; a DLAMI without the agent never joins",
        source="AWS PCS User Guide, Amazon Machine Images (AMIs) for AWS PCS",
    ),
)


def required_components(spec: Spec, fleets: list[ResolvedFleet]) -> list[ClusterComponent]:
    """What the cluster must run for the spec's scheduled fleets, in EKS_COMPONENTS order, only those that
    apply (the DRA driver only with a GB200 fleet, the Neuron plugin only with a Neuron fleet...)."""
    if pcs(spec):
        return list(PCS_COMPONENTS)
    if not eks(spec):
        return []
    ours = [f for f in fleets if scheduled(spec, f.spec)]
    kinds = {f.instance_type.accelerator_kind for f in ours}
    wanted = [True, "gpu" in kinds, any(f.ultraserver for f in ours), any(f.efa for f in ours), "neuron" in kinds]
    return [c for c, keep in zip(EKS_COMPONENTS, wanted, strict=True) if keep]
