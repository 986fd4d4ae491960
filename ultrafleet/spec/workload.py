"""The spec's optional ``workload`` section: what the fleets are for, so the cost plan can price a model's life.

Every throughput and rate is given with where the number comes from (a ``*_source`` field), since the plan's
dollars are only as good as these figures.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrainingRun(_Model):
    """Training runs on one training fleet. Give ``mfu`` or ``tokens_per_second_per_instance``."""

    fleet: str
    """A training fleet of the spec."""
    parameters_billion: float = Field(gt=0)
    tokens_billion: float = Field(gt=0)
    """Training tokens per run."""
    runs_per_quarter: float = Field(gt=0)
    mfu: float | None = Field(default=None, gt=0, le=1)
    """Model FLOPs utilisation (0-1] at which the fleet runs; the run takes 6 x parameters x tokens FLOPs."""
    tokens_per_second_per_instance: float | None = Field(default=None, gt=0)
    """Measured training throughput of one instance, instead of mfu."""
    throughput_source: str = Field(min_length=1)
    """Where the mfu or throughput figure comes from (a benchmark run, a paper)."""
    failures_per_node_hour: float | None = Field(default=None, gt=0)
    """default: Meta's Llama 3 pre-training figure, 419 unexpected interruptions in 54 days on 2,048 nodes."""
    failures_source: str | None = Field(default=None, min_length=1)
    """Where failures_per_node_hour comes from; required with it."""
    restart_seconds: float | None = Field(default=None, ge=0)
    """Time from a failure to training again (replace the node, reload the checkpoint); default: not counted."""

    @model_validator(mode="after")
    def _one_throughput(self) -> TrainingRun:
        if (self.mfu is None) == (self.tokens_per_second_per_instance is None):
            raise ValueError("give exactly one of mfu and tokens_per_second_per_instance")
        if self.failures_per_node_hour is not None and self.failures_source is None:
            raise ValueError("failures_per_node_hour needs failures_source (where the rate comes from)")
        return self


class Route(_Model):
    """The share of requests one inference fleet (its load balancer route) takes."""

    fleet: str
    """An inference fleet of the spec."""
    share: float = Field(gt=0, le=1)
    """Share of the requests (the shares of all routes add up to 1)."""
    tokens_per_second_per_instance: float = Field(gt=0)
    """Tokens (input and output) one instance serves per second at the latency target, measured by the team."""
    throughput_source: str = Field(min_length=1)


class Serving(_Model):
    """The inference traffic, split across routes."""

    requests_per_month: float = Field(gt=0)
    input_tokens_per_request: float = Field(gt=0)
    output_tokens_per_request: float = Field(gt=0)
    peak_to_average: float = Field(default=1.0, ge=1)
    """Peak request rate over the month's average; the fleets are sized for the peak. default 1."""
    routes: list[Route] = Field(min_length=1)


class Workload(_Model):
    training: list[TrainingRun] = []
    inference: Serving | None = None
