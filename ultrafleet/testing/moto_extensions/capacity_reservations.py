"""EC2 DescribeCapacityReservations (moto 5.2.5 has no Capacity Reservations): answered from reservations a test
seeds with ``seed``, kept on moto's EC2 backend so moto's reset clears them. Enough for ``ultrafleet preflight``,
which only reads them; Capacity Blocks are Capacity Reservations with ReservationType ``capacity-block``."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends
from moto.ec2.responses import EC2Response


def reservations(account_id: str, region: str) -> dict[str, dict[str, Any]]:
    return ec2_backends[account_id][region].__dict__.setdefault("ultrafleet_capacity_reservations", {})


def seed(account_id: str, region: str, reservation: dict[str, Any]) -> None:
    """Add one reservation in the shape of the EC2 API's CapacityReservation (CapacityReservationId required)."""
    reservations(account_id, region)[reservation["CapacityReservationId"]] = reservation


def _describe_capacity_reservations(self: EC2Response) -> ActionResult:
    known = reservations(self.current_account, self.region)
    ids = self._get_param("CapacityReservationIds", []) or []
    for rid in ids:
        if rid not in known:
            raise EC2ClientError(
                "InvalidCapacityReservationId.NotFound", f"The capacity reservation ID '{rid}' does not exist"
            )
    return ActionResult({"CapacityReservations": [known[r] for r in ids] if ids else list(known.values())})


def install() -> None:
    EC2Response.describe_capacity_reservations = _describe_capacity_reservations  # type: ignore[attr-defined]
