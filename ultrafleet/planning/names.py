"""Names fixed by convention, so stacks can refer to each other's resources without cross-stack exports (an
export would pin the exporting stack: it could no longer be destroyed on its own)."""

from __future__ import annotations

from dataclasses import dataclass


def breaker_alarm_name(group_name: str) -> str:
    """The fleet's node-health circuit breaker alarm, which the nodes read before marking themselves."""
    return f"{group_name}-health-breaker"


def log_group_prefix(spec_name: str) -> str:
    """Every fleet's log group starts with it (the logs key's encryption context names it)."""
    return f"/ultrafleet/{spec_name}/"


@dataclass(frozen=True)
class FleetNames:
    group: str
    """The Auto Scaling group: <spec>-<fleet>."""
    log_group: str
    """The CloudWatch log group: /ultrafleet/<spec>/<fleet>."""

    @property
    def breaker_alarm(self) -> str:
        """The node-health circuit breaker alarm, which the nodes read before marking themselves."""
        return breaker_alarm_name(self.group)

    @classmethod
    def of(cls, spec_name: str, fleet_name: str) -> FleetNames:
        return cls(group=f"{spec_name}-{fleet_name}", log_group=f"{log_group_prefix(spec_name)}{fleet_name}")


@dataclass(frozen=True)
class StackNames:
    """Every stack's name, ``<spec>-<part>``, the same in an app and in a pipeline stage."""

    spec: str

    @property
    def network(self) -> str:
        return f"{self.spec}-network"

    @property
    def storage(self) -> str:
        return f"{self.spec}-storage"

    @property
    def inference(self) -> str:
        return f"{self.spec}-inference"

    @property
    def queues(self) -> str:
        return f"{self.spec}-queues"

    @property
    def observability(self) -> str:
        return f"{self.spec}-observability"

    def observability_shard(self, shard: int) -> str:
        """``<spec>-observability`` for the first shard (the stack every spec had before sharding), then
        ``<spec>-observability-1``, ``-2``, ..."""
        return self.observability + (f"-{shard}" if shard else "")

    @property
    def governance(self) -> str:
        return f"{self.spec}-governance"

    @property
    def pipeline(self) -> str:
        return f"{self.spec}-pipeline"

    def fleet(self, fleet_name: str) -> str:
        return f"{self.spec}-fleet-{fleet_name}"
