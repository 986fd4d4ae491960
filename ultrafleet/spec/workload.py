"""The spec's optional ``workload`` section: what the fleets are for, so the cost plan can price a model's life.

Every throughput and rate is given with where the number comes from (a ``*_source`` field), since the plan's
dollars are only as good as these figures.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


def _above_zero(fix: str):
    def check(value: float) -> float:
        if value <= 0:
            raise ValueError(f"must be above 0; {fix}")
        return value

    return AfterValidator(check)


def _share(what: str):
    def check(value: float) -> float:
        if not 0 < value <= 1:
            raise ValueError(f"is a share of {what}: use more than 0 and at most 1 (0.4 for 40%)")
        return value

    return AfterValidator(check)


def _at_least_one(value: float) -> float:
    if value < 1:
        raise ValueError("is the peak over the average, so at least 1; use 1 for a flat load")
    return value


Throughput = Annotated[float, _above_zero("give the measured throughput of one instance")]


class TrainingRun(_Model):
    """Training runs on one training fleet. Give ``mfu`` or ``tokens_per_second_per_instance``."""

    fleet: str
    """A training fleet of the spec."""
    parameters_billion: Annotated[float, _above_zero("give the model size in billions of parameters")]
    tokens_billion: Annotated[float, _above_zero("give the training tokens per run in billions")]
    """Training tokens per run."""
    runs_per_quarter: Annotated[float, _above_zero("give how many runs a quarter (0.5 for one every 6 months)")]
    mfu: Annotated[float, _share("the peak FLOPs")] | None = None
    """Model FLOPs utilisation (0-1] at which the fleet runs; the run takes 6 x parameters x tokens FLOPs."""
    tokens_per_second_per_instance: Throughput | None = None
    """Measured training throughput of one instance, instead of mfu."""
    throughput_source: str = Field(min_length=1)
    """Where the mfu or throughput figure comes from (a benchmark run, a paper)."""
    failures_per_node_hour: Annotated[float, _above_zero("leave it out for the Llama 3 default")] | None = None
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
    share: Annotated[float, _share("the requests")]
    """Share of the requests (the shares of all routes add up to 1)."""
    tokens_per_second_per_instance: Throughput
    """Tokens (input and output) one instance serves per second at the latency target, measured by the team."""
    throughput_source: str = Field(min_length=1)


class Serving(_Model):
    """The inference traffic, split across routes."""

    requests_per_month: Annotated[float, _above_zero("give the requests the routes take in a month")]
    input_tokens_per_request: Annotated[float, _above_zero("give the mean prompt length in tokens")]
    output_tokens_per_request: Annotated[float, _above_zero("give the mean answer length in tokens")]
    peak_to_average: Annotated[float, AfterValidator(_at_least_one)] = 1.0
    """Peak request rate over the month's average; the fleets are sized for the peak. default 1."""
    routes: list[Route] = Field(min_length=1)


class Workload(_Model):
    training: list[TrainingRun] = []
    inference: Serving | None = None
