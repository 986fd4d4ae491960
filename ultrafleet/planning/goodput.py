"""What the checkpoint tier saves: the share of a training fleet's time lost to failures, and its dollars.

A failure costs the work since the last checkpoint plus the restart; checkpointing every ``interval`` costs the GPU
wait per checkpoint. To first order (Young 1974, "A first order approximation to the optimum checkpoint interval";
Daly 2006) the share of time lost is::

    lost(interval) = wait / interval + (interval / 2 + restart) / mtbf

which is least at ``interval = sqrt(2 x wait x mtbf)``. The fleet's mean time between failures is one over its
failure rate: ``1 / (failures per node-hour x nodes)``.

Default failure rate: Meta, "The Llama 3 Herd of Models" (arXiv:2407.21783, section 3.3.4 and Table 5): 419
unexpected interruptions in a 54-day snapshot of pre-training on 16,384 H100 GPUs, i.e. 2,048 servers of 8 GPUs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ultrafleet.planning.checkpoint import CheckpointPlan

LLAMA3_INTERRUPTIONS = 419
LLAMA3_DAYS = 54
LLAMA3_NODES = 16_384 // 8
LLAMA3_FAILURES_PER_NODE_HOUR = LLAMA3_INTERRUPTIONS / (LLAMA3_NODES * LLAMA3_DAYS * 24)
"""About 1.58e-4: one failure per 6,335 node-hours."""
LLAMA3_SOURCE = (
    "Meta, The Llama 3 Herd of Models (arXiv:2407.21783), section 3.3.4: 419 unexpected interruptions in 54 days "
    "on 16,384 H100 GPUs (2,048 nodes)"
)


def gpu_wait_seconds(plan: CheckpointPlan, *, without_nvme: bool = False) -> tuple[str, float | None]:
    """(tier, seconds training waits per checkpoint) from the checkpoint plan: its ``gpu_wait_seconds`` where it
    offers one, else the write time of the tier training blocks on. ``without_nvme``: the first tier after NVMe."""
    tiers = [t for t in plan.tiers if not (without_nvme and t.tier == "nvme")]
    if not tiers:
        return "none", None
    if not without_nvme and getattr(plan, "gpu_wait_seconds", None) is not None:
        return tiers[0].tier, plan.gpu_wait_seconds  # type: ignore[attr-defined]
    return tiers[0].tier, tiers[0].write_seconds


def lost_share(wait_seconds: float, interval_seconds: float, mtbf_seconds: float, restart_seconds: float) -> float:
    """First-order share of time lost to checkpoint waits, recomputation and restarts."""
    return wait_seconds / interval_seconds + (interval_seconds / 2 + restart_seconds) / mtbf_seconds


def young_daly_interval(wait_seconds: float, mtbf_seconds: float) -> float:
    return math.sqrt(2 * wait_seconds * mtbf_seconds)


@dataclass(frozen=True, kw_only=True)
class TierGoodput:
    label: str
    """'with the spec's tiers' or 'without NVMe'."""
    tier: str
    """The tier training waits on."""
    wait_seconds: float | None
    interval_seconds: float | None
    """Young/Daly optimum."""
    lost_share: float | None
    lost_parts: tuple[float, float, float] | None
    """The lost share's three parts: checkpoint writes, recomputing work since the last checkpoint, restarts."""
    lost_usd_per_month: float | None
    curve: tuple[tuple[float, float], ...]
    """(interval seconds, lost share) around the optimum, for the chart."""
    note: str


@dataclass(frozen=True, kw_only=True)
class Goodput:
    fleet: str
    failures_per_node_hour: float
    failures_source: str
    nodes: int
    mtbf_seconds: float
    restart_seconds: float
    options: tuple[TierGoodput, ...]

    @property
    def saved_usd_per_month(self) -> float | None:
        """What the NVMe tier saves: the lost dollars without it less those with it."""
        if len(self.options) < 2 or None in (self.options[0].lost_usd_per_month, self.options[1].lost_usd_per_month):
            return None
        return self.options[1].lost_usd_per_month - self.options[0].lost_usd_per_month  # type: ignore[operator]


def _option(label, tier, wait, mtbf, restart, monthly_usd) -> TierGoodput:
    if wait is None:
        return TierGoodput(
            label=label,
            tier=tier,
            wait_seconds=None,
            interval_seconds=None,
            lost_share=None,
            lost_parts=None,
            lost_usd_per_month=None,
            curve=(),
            note=f"the {tier} write time is unknown",
        )
    wait = max(wait, 1e-9)
    best = young_daly_interval(wait, mtbf)
    share = lost_share(wait, best, mtbf, restart)
    curve = tuple((best * 2 ** (k / 4), lost_share(wait, best * 2 ** (k / 4), mtbf, restart)) for k in range(-12, 13))
    return TierGoodput(
        label=label,
        tier=tier,
        wait_seconds=wait,
        interval_seconds=best,
        lost_share=share,
        lost_parts=(wait / best, best / 2 / mtbf, restart / mtbf),
        lost_usd_per_month=None if monthly_usd is None else share * monthly_usd,
        curve=curve,
        note=f"checkpoint every {best / 60:,.1f} min (sqrt(2 x {wait:,.1f} s x {mtbf / 3600:,.1f} h MTBF))",
    )


def plan_goodput(
    plan: CheckpointPlan,
    *,
    nodes: int,
    monthly_usd: float | None,
    failures_per_node_hour: float | None = None,
    failures_source: str | None = None,
    restart_seconds: float | None = None,
) -> Goodput:
    rate = failures_per_node_hour or LLAMA3_FAILURES_PER_NODE_HOUR
    mtbf = 3600 / (rate * nodes)
    restart = restart_seconds or 0.0
    options = [_option("with the spec's tiers", *gpu_wait_seconds(plan), mtbf, restart, monthly_usd)]
    if any(t.tier == "nvme" for t in plan.tiers):
        options.append(_option("without NVMe", *gpu_wait_seconds(plan, without_nvme=True), mtbf, restart, monthly_usd))
    return Goodput(
        fleet=plan.fleet,
        failures_per_node_hour=rate,
        failures_source=(failures_source or "given in the spec") if failures_per_node_hour else LLAMA3_SOURCE,
        nodes=nodes,
        mtbf_seconds=mtbf,
        restart_seconds=restart,
        options=tuple(options),
    )
