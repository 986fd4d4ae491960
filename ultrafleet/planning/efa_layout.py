"""The network interfaces of one instance, derived from its type's network cards.

Follows the AWS EC2 User Guide, "Maximize network bandwidth on Amazon EC2 instances with multiple network cards"
(efa-acc-inst-types.html): card 0 device 0 is the primary ENA interface; card 0 device 1 is an EFA-only interface
when card 0 supports EFA; every other EFA-capable card gets an EFA-only interface at device 0, and any extra ENA
interface goes at device 1. Cards without EFA (card 0 of p6-b300 and p6e-gb200) get no EFA interface. On P5 and
P5e the same page's maximum-bandwidth example spreads the ENA interfaces one per group of four cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ultrafleet.catalog import InstanceType, NetworkCard

ENA = "interface"
EFA_ONLY = "efa-only"
EFA_WITH_ENA = "efa"
EFA_KINDS = (EFA_ONLY, EFA_WITH_ENA)
"""Interface types that carry an EFA device."""
IP_KINDS = (ENA, EFA_WITH_ENA)
"""Interface types that carry ENA and take an IP address."""


@dataclass(frozen=True, kw_only=True)
class Interface:
    card: int
    device: int
    kind: Literal["interface", "efa-only", "efa"]


ENA_CARD_GROUPS = {"p5.48xlarge": 4, "p5e.48xlarge": 4}
"""Types whose extra ENA interfaces go one per group of this many cards, on the group's first card. Source: EC2
User Guide, efa-acc-inst-types.html, "EFA configuration for P5 and P5e instances", use case 2 (maximum EFA and IP
network bandwidth): "one ENA network interface and four EFA-only network interfaces in each of the following
network card index subsets [4,5,6,7] ... [28,29,30,31]", the ENA one at device index 1 of cards 4, 8, ..., 28."""


def extra_ena_slots(instance_type: InstanceType) -> list[NetworkCard]:
    """Cards past card 0 that can take an ENA interface at device 1 (next to an EFA-only one at device 0), in the
    order they are used; on P5 and P5e the first card of each group of four (``ENA_CARD_GROUPS``)."""
    group = ENA_CARD_GROUPS.get(instance_type.name, 1)
    return [
        c
        for c in instance_type.cards[1:]
        if ENA in c.interface_types and c.max_interfaces is not None and c.max_interfaces >= 2 and c.index % group == 0
    ]


def interfaces(
    instance_type: InstanceType, *, efa: bool, extra_ena: int = 0, efa_with_ena: bool = False
) -> tuple[Interface, ...]:
    """The launch-template interface list, in card order. ``extra_ena`` must fit ``extra_ena_slots``.

    ``efa_with_ena``: on cards 1 and up that accept it, an EFA with ENA interface (``efa``, one IP address each)
    instead of an EFA-only one; default off (AWS's current guidance).
    """
    out = [Interface(card=0, device=0, kind=ENA)]
    if efa:
        out += [
            Interface(
                card=c.index,
                device=1 if c.index == 0 else 0,
                kind=EFA_WITH_ENA if efa_with_ena and c.index and EFA_WITH_ENA in c.interface_types else EFA_ONLY,
            )
            for c in instance_type.cards
            if c.supports_efa
        ]
    out += [Interface(card=c.index, device=1, kind=ENA) for c in extra_ena_slots(instance_type)[:extra_ena]]
    return tuple(sorted(out, key=lambda i: (i.card, i.device)))


def ip_addresses(layout: tuple[Interface, ...]) -> int:
    """Private IPv4 addresses one instance takes: one per ENA or EFA-with-ENA interface; EFA-only ones take none."""
    return sum(1 for i in layout if i.kind in IP_KINDS)


def efa_bandwidth_gbps(instance_type: InstanceType, layout: tuple[Interface, ...]) -> float:
    """The EFA bandwidth AWS publishes for the type, in the share of its EFA-capable cards this layout uses."""
    capable = [c.index for c in instance_type.cards if c.supports_efa]
    used = {i.card for i in layout if i.kind in EFA_KINDS}
    if not capable:
        return 0.0
    return instance_type.efa_bandwidth_gbps * len(used & set(capable)) / len(capable)


def ena_bandwidth_gbps(instance_type: InstanceType, layout: tuple[Interface, ...]) -> float | None:
    """ENA (IP) bandwidth: the baselines of the cards that carry an ENA interface; None if one is unknown."""
    cards = [c for c in instance_type.cards if c.index in {i.card for i in layout if i.kind in IP_KINDS}]
    if any(c.baseline_gbps is None for c in cards):
        return None
    return sum(c.baseline_gbps or 0.0 for c in cards)
