"""The ultrafleet spec: one YAML document describing a team's AI compute.

Structure and field-level checks only; rules that need the catalog or several fields live in
``ultrafleet.validation``. Every model forbids unknown keys so a typo is an error, not a silent default.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from ipaddress import IPv4Network
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from ultrafleet.findings import excerpt
from ultrafleet.spec.strict import make_scalars_strict
from ultrafleet.spec.workload import Workload

ACCOUNT_PATTERN = r"^\d{12}$"
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-\d$"
AZ_PATTERN = r"^[a-z]{2}(-[a-z]+)+-\d(-[a-z]+-\d)?[a-z]$"
"""An Availability Zone (us-east-1a) or Local Zone (us-east-1-dfw-2a) name."""


def _name(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,30}[a-z0-9]", value):
        raise ValueError(
            "use 2-32 lowercase letters, digits and hyphens, starting with a letter (it prefixes "
            "stack and resource names)"
        )
    return value


def _reservation_id(value: str) -> str:
    if not re.fullmatch(r"cr-[0-9a-f]{8,17}", value):
        raise ValueError("is not a Capacity Reservation id; use the cr-... id of the reservation or Capacity Block")
    return value


Name = Annotated[str, AfterValidator(_name)]
ReservationId = Annotated[str, AfterValidator(_reservation_id)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        make_scalars_strict(cls)  # integer and boolean fields as strict as the JSON Schema says


class Role(StrEnum):
    TRAINING = "training"
    INFERENCE = "inference"


class PlacementStrategy(StrEnum):
    CLUSTER = "cluster"
    PARTITION = "partition"
    SPREAD = "spread"


class OnDemand(_Model):
    type: Literal["on-demand"]


class CapacityReservation(_Model):
    """A targeted On-Demand Capacity Reservation: instances launch only into it."""

    type: Literal["capacity-reservation"]
    reservation_id: ReservationId


class CapacityBlock(_Model):
    """A Capacity Block for ML (its reservation id starts with ``cr-`` like any Capacity Reservation)."""

    type: Literal["capacity-block"]
    reservation_id: ReservationId
    starts_at: datetime | None = None
    """When the block starts (UTC, a whole hour, e.g. 2026-12-01T11:00:00Z); with ends_at, scheduled actions size
    the group without waiting for EC2's events. default: the delivery and warning events alone."""
    ends_at: datetime | None = None
    """When the block ends (UTC, a whole hour, after starts_at); the group scales to zero early enough for the
    checkpoint drain to finish before EC2 begins terminating (30 minutes before the end)."""


class Spot(_Model):
    """Spot capacity, for inference fleets only."""

    type: Literal["spot"]


Capacity = Annotated[OnDemand | CapacityReservation | CapacityBlock | Spot, Field(discriminator="type")]


class Placement(_Model):
    strategy: PlacementStrategy | None = None
    """default: partition when partition_count is set; else cluster (an EC2 UltraCluster placement group) when the
    fleet is in one zone; none across zones."""
    partition_count: int | None = Field(default=None, ge=1, le=7)
    """Partitions for the partition strategy (1-7); default: none."""
    existing_group_name: str | None = None
    """Use this placement group instead of creating one; default: ultrafleet creates one."""


class Ami(_Model):
    """The machine image. default: the Deep Learning AMI for the type's architecture and accelerator, from its
    public SSM parameter, resolved by CloudFormation at deploy time."""

    id: str | None = Field(default=None, pattern=r"^ami-[0-9a-f]{8,17}$")
    """An explicit AMI id instead of the DLAMI parameter."""
    architecture: Literal["x86_64", "arm64"] | None = None
    """The explicit AMI's architecture, checked against the instance type's; required with ``id``."""


class RequestCountScaling(_Model):
    metric: Literal["request-count"]
    target_per_instance: int = Field(ge=1)
    """ALB requests per target the group keeps (target tracking on ALBRequestCountPerTarget)."""


class GpuUtilizationScaling(_Model):
    metric: Literal["gpu-utilization"]
    target_percent: int = Field(ge=1, le=100)
    """Average GPU utilization the group keeps (published by the CloudWatch agent as nvidia_smi_utilization_gpu)."""


Scaling = Annotated[RequestCountScaling | GpuUtilizationScaling, Field(discriminator="metric")]


class Route(_Model):
    """Which requests reach this fleet through the shared load balancer; a fleet without a route takes the rest."""

    priority: int = Field(ge=1, le=50000)
    path_patterns: list[str] = []
    header_name: str | None = None
    header_values: list[str] = []


class Inference(_Model):
    """How an inference fleet serves: behind the spec's load balancer, scaled between min and max."""

    port: int = Field(default=8000, ge=1, le=65535)
    health_check_path: str = Field(default="/health", pattern=r"^/")
    min_size: int | None = Field(default=None, ge=0)
    """default: the fleet's count."""
    max_size: int | None = Field(default=None, ge=1)
    """default: the fleet's count."""
    scaling: Scaling | None = None
    """default: none (the group stays at its desired size)."""
    spot_percent: int = Field(default=0, ge=0, le=100)
    """Share of instances above min_size bought as Spot (capacity rebalancing on); default 0."""
    warm_pool_min_size: int | None = Field(default=None, ge=0)
    """Keep this many pre-initialized, stopped instances for fast scale-out; default: no warm pool."""
    route: Route | None = None
    tokens_per_second_per_instance: float | None = Field(default=None, gt=0)
    """Measured serving throughput of one instance; gives the cost plan its cost per million tokens."""


class LoadBalancer(_Model):
    """The Application Load Balancer in front of the inference fleets."""

    internal: bool = True
    """default: internal (reachable from the VPC only)."""
    certificate_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:acm:")
    """An ACM certificate for an HTTPS listener on 443; default: HTTP on 80 (internal load balancers only)."""


class Health(_Model):
    """How a fleet's nodes are checked and replaced (docs/node-lifecycle.md)."""

    self_repair: bool = True
    """A failing node marks itself Unhealthy in its Auto Scaling group, which replaces it; off: it only reports
    (metric, marker file), e.g. where another repairer acts. default: on."""
    max_unhealthy_percent: int = Field(default=20, ge=1, le=100)
    """Circuit breaker: with more of the fleet unhealthy at once, nodes stop marking themselves and an alarm
    fires instead; default 20, as EKS node auto repair."""
    check_interval_minutes: int = Field(default=5, ge=1, le=60)
    """How often the periodic check reads the kernel log, ECC counters and EFA devices; default 5."""
    termination_heartbeat_seconds: int | None = None
    """Heartbeat of the termination lifecycle hook; default: twice the planned drain time (at least 300 s), or
    Auto Scaling's default 3600 s when the drain is not planned."""


class Fleet(_Model):
    name: Name
    role: Role
    instance_type: str | None = None
    """An EC2 instance type, e.g. p6-b200.48xlarge; or leave out and set ultraserver_type."""
    count: int | None = Field(default=None, ge=1, le=4096)
    """Instances (with instance_type)."""
    ultraserver_type: str | None = None
    """An UltraServer type, e.g. u-p6e-gb200x72 (sized in whole UltraServers)."""
    ultraserver_count: int | None = Field(default=None, ge=1)
    availability_zones: list[str] | None = Field(default=None, min_length=1)
    """default: the spec's first availability zone. More than one only without EFA or cluster placement."""
    capacity: Capacity = OnDemand(type="on-demand")
    placement: Placement = Placement()
    ami: Ami = Ami()
    efa: bool | None = None
    """default: on when the type supports EFA and the fleet is in one zone."""
    extra_ena_interfaces: int = Field(default=0, ge=0)
    """ENA interfaces added beside the EFA ones for more IP bandwidth (each takes an IP address)."""
    root_volume_gib: int = Field(default=200, ge=50, le=16384)
    inference: Inference | None = None
    """Serving settings, for role inference; default: behind the load balancer on port 8000, fixed size."""
    efa_interface_type: Literal["efa-only", "efa"] | None = None
    """The EFA interface on cards 1 and up: efa-only (AWS's current guidance, no IP address) or efa (EFA with ENA,
    one IP address each, on the cards that accept it: ParallelCluster's p6e-gb200 layout); default: efa-only."""
    spares: int = Field(default=0, ge=0)
    """Hot spares kept running above count, on reserved capacity only (a Capacity Block or reservation has no
    free slot for a replacement); default 0."""
    health: Health = Health()

    scheduler: Literal["none"] | None = None
    """``none`` keeps this fleet out of the spec's scheduler (its own Auto Scaling group); default: it joins it."""


SubnetId = Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]
SecurityGroupId = Annotated[str, Field(pattern=r"^sg-[0-9a-f]{8,17}$")]


class SubnetFacts(_Model):
    """What ultrafleet must know of an existing subnet to plan offline (from `aws ec2 describe-subnets`)."""

    availability_zone: str
    free_addresses: int = Field(ge=0)
    """AvailableIpAddressCount."""


class ExistingVpc(_Model):
    """A VPC ultrafleet joins rather than creates; its facts are given here so that synth stays offline."""

    vpc_id: str = Field(pattern=r"^vpc-[0-9a-f]{8,17}$")
    cidr: IPv4Network
    """The VPC's primary CIDR block."""
    subnet_ids_by_zone: dict[str, list[SubnetId]] = Field(min_length=1)
    """Private subnets ultrafleet's nodes use, by zone (the same number in every zone)."""
    subnets: dict[SubnetId, SubnetFacts] = {}
    """Each listed subnet's zone and free addresses, as describe-subnets reports them."""


class Network(_Model):
    vpc_cidr: IPv4Network = IPv4Network("10.0.0.0/16")
    subnet_prefix_length: int | None = Field(default=None, ge=16, le=28)
    """Private subnet size; default: the smallest that holds every fleet's interfaces twice over."""
    nat_gateways: int = Field(default=1, ge=0)
    """NAT gateways for outbound traffic from the private subnets (0: no internet egress)."""
    existing_vpc: ExistingVpc | None = None
    """Use this VPC (e.g. the scheduler's) instead of creating one; then vpc_cidr, subnet_prefix_length and
    nat_gateways do not apply. default: ultrafleet creates the VPC."""
    s3_gateway_endpoint: bool = True
    """Add an S3 gateway endpoint; set false when an existing VPC already has one."""
    restrict_default_security_group: bool = False
    """Remove every rule of the VPC's default security group (the CDK's restrictDefaultSecurityGroup, a
    Lambda-backed custom resource, which moto cannot run); default: off, the default group keeps EC2's rules (all
    traffic from itself, all out). Nothing ultrafleet creates uses that group."""

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc_size(cls, value: IPv4Network) -> IPv4Network:
        if not 16 <= value.prefixlen <= 24:
            raise ValueError(f"a VPC CIDR must be /16 to /24 (AWS limit), not /{value.prefixlen}")
        return value


class StorageClass(StrEnum):
    INTELLIGENT_TIERING = "INTELLIGENT_TIERING"
    GLACIER_IR = "GLACIER_IR"
    STANDARD_IA = "STANDARD_IA"
    ONEZONE_IA = "ONEZONE_IA"


class Transition(_Model):
    storage_class: StorageClass = StorageClass.INTELLIGENT_TIERING
    after_days: int = Field(default=30, ge=0)
    """Days after a checkpoint object is written; STANDARD_IA and ONEZONE_IA need at least 30 (an S3 rule)."""


class AccessLogging(StrEnum):
    SERVER_ACCESS_LOGS = "server-access-logs"
    CLOUDTRAIL_DATA_EVENTS = "cloudtrail-data-events"


class CheckpointBucket(_Model):
    """The durable checkpoint tier. Always versioned, KMS-encrypted, private, TLS-only and retained."""

    bucket_name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    """default: a name CloudFormation generates. A fixed name (for training code that names its bucket) must be
    globally unique, so give each environment its own; changing it replaces the bucket."""
    abort_incomplete_multipart_days: int = Field(default=1, ge=1)
    noncurrent_version_expiration_days: int = Field(default=30, ge=1)
    """Days a replaced or deleted checkpoint version is kept."""
    noncurrent_versions_to_keep: int = Field(default=3, ge=1, le=100)
    """Newest noncurrent versions kept regardless of age (S3 allows 1-100)."""
    transition: Transition | None = Transition()
    """default: INTELLIGENT_TIERING after 30 days; null keeps checkpoints in STANDARD."""
    expire_checkpoints_after_days: int | None = Field(default=None, ge=1)
    """Expire objects under checkpoints/ this many days after they are written; default: never."""
    access_logging: AccessLogging = AccessLogging.SERVER_ACCESS_LOGS


class NvmeCache(_Model):
    """Instance-store NVMe striped (RAID0) and mounted at boot on every node that has it."""

    mount_path: str = Field(default="/opt/dlami/nvme", pattern=r"^/[A-Za-z0-9._/-]+$")
    write_gb_s_per_node: float | None = None
    """Measured sequential write bandwidth of the striped NVMe per node (the boot fio test publishes it as the
    CloudWatch metric ultrafleet NvmeWriteGBps), for the planner. AWS publishes no such figure per type; default:
    none, and the plan says the NVMe time is unknown and where to read it."""
    drain_interval_minutes: int = Field(default=5, ge=1, le=1440)
    """How often finished checkpoints are copied from NVMe to the bucket (or Lustre)."""
    drain_target: Literal["s3", "lustre", "express"] = "s3"
    """Where the drain copies finished checkpoints; ``express`` needs storage.express_bucket."""
    keep_local_checkpoints: int = Field(default=2, ge=1)
    """Newest checkpoints kept on NVMe; older ones are deleted only after their upload is verified."""

    @field_validator("write_gb_s_per_node")
    @classmethod
    def _measured(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError(
                "a measured write speed is above 0 GB/s; set the figure the metric ultrafleet NvmeWriteGBps shows "
                "for the fleet, or leave the field out"
            )
        return value


class Lustre(_Model):
    """FSx for Lustre linked to the checkpoint bucket's checkpoints/ prefix."""

    deployment_type: Literal["PERSISTENT_2", "SCRATCH_2"] = "PERSISTENT_2"
    storage_capacity_gib: int = Field(default=4800, ge=1200)
    """1,200, 2,400, then steps of 2,400 GiB."""
    throughput_mb_s_per_tib: int | None = None
    """PERSISTENT_2: 125, 250, 500 or 1000 (default 250). SCRATCH_2: leave out (fixed: 200 MB/s/TiB read, 100 write)."""
    mount_path: str = Field(default="/fsx", pattern=r"^/[A-Za-z0-9._/-]+$")
    retain_on_delete: bool = True
    """default: the file system outlives its stack."""
    efa: bool = False
    """Serve clients over EFA (PERSISTENT_2 only, with a metadata configuration; set at creation, cannot change)."""


class Checkpoint(_Model):
    """What a checkpoint weighs and how fast it must be written. Give model_parameters_billion or size_gb."""

    model_parameters_billion: float | None = Field(default=None, gt=0)
    bytes_per_parameter: float = Field(default=2, gt=0)
    """2 for bf16/fp16 weights, 4 for fp32."""
    optimizer_state: bool = True
    """Adam in mixed precision adds 12 bytes per parameter (fp32 master weights, momentum, variance)."""
    size_gb: float | None = Field(default=None, gt=0)
    """An explicit checkpoint size instead of the model-based estimate."""
    target_seconds: int = Field(default=300, ge=1)
    """Checkpoints should be written within this; default 5 minutes."""
    kept_in_s3: int | None = Field(default=None, ge=1)
    """Checkpoints the bucket holds at steady state, for the cost plan; default: S3 storage is not priced."""
    upload_gb_s_per_node: float | None = Field(default=None, gt=0)
    """Measured upload speed per node to S3 or the express bucket (the drain publishes it as the CloudWatch metric
    ultrafleet CheckpointUploadGBps); default: none, and the plan bounds uploads by card 0's ENA bandwidth."""


class ExpressBucket(_Model):
    """An S3 Express One Zone directory bucket: a fast, durable tier in one zone, copied onward to the regional
    checkpoint bucket. Encrypted with the checkpoint KMS key (SSE-KMS)."""

    expire_after_days: int = Field(default=7, ge=1)
    """Days a checkpoint object lives in the directory bucket before S3 Lifecycle expires it (the regional bucket
    keeps the copy)."""
    abort_incomplete_multipart_days: int = Field(default=1, ge=1)
    base_name: str | None = Field(default=None, pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
    """The name before ``--<zone-id>--x-s3`` (unique in the zone); default: a name CloudFormation generates."""


class Storage(_Model):
    checkpoint_bucket: CheckpointBucket = CheckpointBucket()
    nvme_cache: NvmeCache | None = NvmeCache()
    lustre: Lustre | None = None
    checkpoint: Checkpoint | None = None
    """default: no checkpoint planning."""
    express_bucket: ExpressBucket | None = None
    """An S3 Express One Zone directory bucket in the training fleets' zone; default: none."""


class Environment(_Model):
    """One deployment of the spec (dev, prod): where it goes and what differs there.

    Each field overrides the spec's own. Mappings merge into the spec's (``fleets`` by fleet name); lists and
    values replace; a mapping with a ``type`` or ``metric`` key (``capacity``, ``scaling``) replaces as a whole.
    """

    account: str | None = Field(default=None, pattern=ACCOUNT_PATTERN)
    """default: the spec's account."""
    region: str | None = Field(default=None, pattern=REGION_PATTERN)
    """default: the spec's region."""
    availability_zones: list[str] | None = None
    """default: the spec's zones."""
    tags: dict[str, str] = {}
    """Added to the spec's tags (same key: this value wins)."""
    network: dict[str, Any] = {}
    load_balancer: dict[str, Any] = {}
    storage: dict[str, Any] = {}
    fleets: dict[str, dict[str, Any]] = {}
    """Per fleet name, the fleet fields that differ (count, capacity, availability_zones, inference sizes...)."""
    scheduler: dict[str, Any] = {}
    """The scheduler fields that differ (e.g. a dev cluster's cluster_name and cluster_security_group_id)."""


class Pipeline(_Model):
    """The CDK Pipelines (CodePipeline) stack that deploys the environments, synthesized with ``-c pipeline=true``."""

    account: str = Field(pattern=ACCOUNT_PATTERN)
    """The tooling account that hosts the pipeline; each environment's account must trust it (cdk bootstrap
    --trust)."""
    region: str = Field(pattern=REGION_PATTERN)
    repository: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    """owner/name of the source repository."""
    branch: str = "main"
    connection_arn: str = Field(pattern=r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):")
    """The CodeConnections (CodeStar) connection to the repository host."""
    stages: list[Name] = Field(min_length=1)
    """Environments in deployment order; each gets a `cdk diff` and a manual approval before it deploys."""


class Budget(_Model):
    """A monthly AWS Budget over the cost of everything tagged ``ultrafleet:spec: <name>``, with e-mail or SNS
    alerts. The tag must be activated as a cost-allocation tag (``ultrafleet tags activate``)."""

    monthly_usd: float
    """The monthly limit in US dollars; more than 0."""
    notify: list[str] = Field(min_length=1)
    """E-mail addresses, or one SNS topic ARN, that receive the alerts."""
    thresholds_percent: list[float] = [80, 100]
    """Percentages of the limit that alert on actual cost; default 80 and 100 (and 100 forecasted, always)."""


class Governance(_Model):
    """What an enterprise landing zone requires of the stacks: IAM role boundaries and names, a budget."""

    permissions_boundary_arn: str | None = None
    """An IAM managed policy ARN set as the permissions boundary of every role ultrafleet creates; default: none."""
    role_name_prefix: str | None = None
    """Every role ultrafleet creates is named ``<prefix><stack>-<construct>-<hash>`` (64 characters at most);
    default: names CloudFormation generates."""
    budget: Budget | None = None
    """default: no budget (and no governance stack)."""


class Spec(_Model):
    name: Name
    """Prefix of every stack and resource name; an environment adds its own name (frontier-prod)."""
    region: str = Field(pattern=REGION_PATTERN)
    account: str | None = Field(default=None, pattern=ACCOUNT_PATTERN)
    """default: none (environment-agnostic stacks)."""
    availability_zones: list[str] = Field(min_length=1, max_length=6)
    tags: dict[str, str] = {}
    network: Network = Network()
    load_balancer: LoadBalancer = LoadBalancer()
    fleets: list[Fleet] = Field(min_length=1)
    storage: Storage = Storage()
    environments: dict[Name, Environment] = {}
    """default: none; ``-c env=NAME`` (``--env NAME``) deploys one of them, and without it the spec as written."""
    pipeline: Pipeline | None = None
    """default: no pipeline stack."""
    workload: Workload | None = None
    """What the fleets train and serve, for the cost plan (ultrafleet.spec.workload); default: none."""
    scheduler: Scheduler | None = None
    """An existing EKS or AWS PCS cluster the fleets join; default: none (each fleet is its own Auto Scaling
    group)."""
    governance: Governance | None = None
    """default: no permissions boundary, generated role names, no budget (see docs/landing-zone.md)."""

    @field_validator("availability_zones")
    @classmethod
    def _azs(cls, value: list[str]) -> list[str]:
        for az in value:
            if not re.match(AZ_PATTERN, az):
                raise ValueError(f"{excerpt(az)} is not a zone name such as us-east-1a or us-east-1-dfw-2a")
        if len(set(value)) != len(value):
            raise ValueError("availability zones must not repeat")
        return value


class Taint(_Model):
    key: str = Field(min_length=1, max_length=317)
    value: str = Field(default="", max_length=63)
    effect: Literal["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"] = "NO_SCHEDULE"


class RepairOverride(_Model):
    """One EKS node-repair override (NodeRepairConfigOverrides): EKS requires all four values."""

    condition: str = Field(min_length=1)
    """A NodeMonitoringCondition the node monitoring agent reports, e.g. AcceleratedHardwareReady."""
    reason: str = Field(min_length=1)
    """A NodeUnhealthyReason the agent reports under that condition."""
    action: Literal["Replace", "Reboot", "NoAction"]
    wait_minutes: int
    """MinRepairWaitTimeMins (at least 1)."""
    reserved_only: bool = False
    """Apply only to fleets on a Capacity Block or Capacity Reservation, where a replacement has no spare slot to
    launch into (e.g. Reboot instead of Replace); default: every fleet."""


class Repair(_Model):
    """EKS node auto repair (NodeRepairConfig); acts on the node monitoring agent's conditions."""

    enabled: bool = True
    max_unhealthy_percent: int = 20
    """Repair stops while more than this share of the group is unhealthy (1-100); default 20, as in EKS's
    documentation."""
    max_parallel: int | None = None
    """Nodes repaired at once (a count, at least 1); default: EKS's own."""
    overrides: list[RepairOverride] = []


class Cni(_Model):
    """How the cluster's Amazon VPC CNI hands out addresses, for subnet sizing."""

    max_pods: int = Field(default=110, ge=1)
    """Pods per node (each takes a VPC address); default 110, the kubelet's own default maxPods."""
    warm_ip_target: int | None = Field(default=None, ge=0)
    """The CNI's WARM_IP_TARGET; default: unset, so the CNI keeps one whole spare interface's addresses warm
    (WARM_ENI_TARGET=1)."""


class EksScheduler(_Model):
    """An existing EKS cluster: every fleet becomes a managed node group of it."""

    type: Literal["eks"]
    cluster_name: str = Field(pattern=r"^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$")
    kubernetes_version: str
    """The cluster's version, e.g. "1.33"; picks the EKS-optimized AMI release line."""
    cluster_security_group_id: SecurityGroupId
    """The cluster security group (DescribeCluster resourcesVpcConfig.clusterSecurityGroupId): with custom
    security groups in a launch template EKS does not add it itself."""
    node_labels: dict[str, str] = {}
    node_taints: list[Taint] | None = None
    """default: nvidia.com/gpu or aws.amazon.com/neuron NoSchedule on accelerated fleets, none otherwise."""
    release_version: str | None = None
    """Pins the EKS-optimized AMI release (e.g. 1.33.5-20251103); default: the latest for the version."""
    repair: Repair = Repair()
    cni: Cni = Cni()


class PcsScheduler(_Model):
    """An existing AWS Parallel Computing Service cluster: every fleet becomes a compute node group of it."""

    type: Literal["slurm-pcs"]
    cluster_id: str = Field(pattern=r"^pcs_[0-9a-z]+$")
    cluster_security_group_id: SecurityGroupId
    """The group that lets nodes reach the PCS cluster's Slurm controller."""
    ami_id: str = Field(pattern=r"^ami-[0-9a-f]{8,17}$")
    """A PCS-compatible AMI (PCS agent and Slurm installed), for every fleet."""
    root_device_name: str = Field(default="/dev/xvda", pattern=r"^/dev/[a-z0-9]+$")
    """The AMI's root device (describe-images RootDeviceName); default /dev/xvda, Amazon Linux's."""
    queues: dict[str, list[str]] | None = None
    """Queue name -> fleet names; default: one queue per fleet, named after it."""


Scheduler = Annotated[EksScheduler | PcsScheduler, Field(discriminator="type")]


Spec.model_rebuild()
