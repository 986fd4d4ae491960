"""An EC2 RunInstances DryRun of each fleet's launch configuration: its image, type, zone, capacity target and,
once the spec's subnets exist, its full EFA interface layout. A dry run checks permissions and parameters
(DryRunOperation means the launch would be allowed, UnauthorizedOperation that it would not: EC2 API Reference,
RunInstances, DryRun); it reserves nothing, so capacity is checked by the reservation and offering checks."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ultrafleet.account.preflight import Clients, Result
from ultrafleet.planning.ami import dlami_parameter
from ultrafleet.planning.fleets import ResolvedFleet
from ultrafleet.planning.network import COMPUTE_SUBNET_GROUP
from ultrafleet.spec.models import Spec

NO_SUBNET_YET = {"VPCIdNotSpecified", "MissingInput", "InvalidSubnetID.NotFound"}
"""What EC2 answers a launch without a subnet in an account without a default VPC."""


def images(spec: Spec, ssm: Any) -> dict[str, str]:
    """Fleet name -> the AMI id a deploy would boot now: the spec's (or its lock's) id, else its public SSM
    parameter's current value."""
    from ultrafleet import catalog
    from ultrafleet.planning.fleets import type_name

    out = {}
    for f in spec.fleets:
        parameter = dlami_parameter(catalog.get(type_name(f) or ""))
        out[f.name] = f.ami.id or ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    return out


def _subnet(spec: Spec, zone: str, clients: Clients) -> str | None:
    subnets = clients.ec2.describe_subnets(
        Filters=[
            {"Name": "tag:ultrafleet:spec", "Values": [spec.name]},
            {"Name": "tag:aws-cdk:subnet-name", "Values": [COMPUTE_SUBNET_GROUP]},
            {"Name": "availability-zone", "Values": [zone]},
        ]
    )["Subnets"]
    return subnets[0]["SubnetId"] if subnets else None


def launch_parameters(fleet: ResolvedFleet, image_id: str, subnet: str | None) -> dict[str, Any]:
    zone = fleet.availability_zones[0]
    params: dict[str, Any] = {
        "ImageId": image_id,
        "InstanceType": fleet.instance_type.name,
        "MinCount": 1,
        "MaxCount": 1,
        "DryRun": True,
    }
    if subnet:
        params["NetworkInterfaces"] = [
            {"DeviceIndex": i.device, "NetworkCardIndex": i.card, "InterfaceType": i.kind, "SubnetId": subnet}
            for i in fleet.layout
        ]
    else:
        params["Placement"] = {"AvailabilityZone": zone}
    capacity = fleet.spec.capacity
    if capacity.type in ("capacity-reservation", "capacity-block"):
        target = {"CapacityReservationId": capacity.reservation_id}  # type: ignore[union-attr]
        params["CapacityReservationSpecification"] = {"CapacityReservationTarget": target}
    if capacity.type == "capacity-block":
        params["InstanceMarketOptions"] = {"MarketType": "capacity-block"}
    return params


def dry_runs(spec: Spec, fleets: list[ResolvedFleet], clients: Clients, image_ids: dict[str, str]) -> list[Result]:
    out = []
    for f in fleets:
        zone = f.availability_zones[0]
        subnet = _subnet(spec, zone, clients)
        subject = f"{f.path} ({f.spec.name}) RunInstances DryRun in {zone}"
        what = f"{f.instance_type.name}, {image_ids[f.spec.name]}, {len(f.layout) if subnet else 'no'} interfaces"
        try:
            clients.ec2.run_instances(**launch_parameters(f, image_ids[f.spec.name], subnet))
            code, message = "DryRunOperation", ""
        except ClientError as exc:
            code, message = exc.response["Error"]["Code"], exc.response["Error"].get("Message", "")
        if code == "DryRunOperation":
            out.append(Result(level="ok", code="UF-PRE-005", subject=subject, message=f"would launch ({what})"))
        elif code in NO_SUBNET_YET and not subnet:
            out.append(
                Result(
                    level="warning",
                    code="UF-PRE-005",
                    subject=subject,
                    message=f"{code}: no subnet to launch into before the network stack exists; deploy "
                    f"{spec.name}-network, then run preflight again to dry-run the full interface layout",
                )
            )
        else:
            fix = (
                "the deploying role needs ec2:RunInstances (and iam:PassRole for the instance role)"
                if code == "UnauthorizedOperation"
                else "fix the fleet's type, image or capacity target"
            )
            out.append(
                Result(level="error", code="UF-PRE-005", subject=subject, message=f"{code}: {message} ({what}); {fix}")
            )
    return out
