"""EFA layouts derived from the catalog, checked for every EFA type against AWS's guidance."""

from __future__ import annotations

import pytest

from ultrafleet import catalog
from ultrafleet.planning.efa_layout import Interface, efa_bandwidth_gbps, extra_ena_slots, interfaces, ip_addresses

EFA_TYPES = sorted(n for n, t in catalog.instance_types().items() if t.efa_supported)


@pytest.mark.parametrize("name", EFA_TYPES)
def test_layout_reaches_the_documented_efa_count_and_bandwidth(name):
    itype = catalog.get(name)
    layout = interfaces(itype, efa=True)
    assert sum(i.kind == "efa-only" for i in layout) == itype.max_efa_interfaces
    assert efa_bandwidth_gbps(itype, layout) == itype.efa_bandwidth_gbps
    assert layout[0] == Interface(card=0, device=0, kind="interface")
    assert ip_addresses(layout) == 1


@pytest.mark.parametrize("name", EFA_TYPES)
def test_efa_only_never_lands_on_a_card_without_efa_and_never_repeats_a_slot(name):
    itype = catalog.get(name)
    layout = interfaces(itype, efa=True)
    by_index = {c.index: c for c in itype.cards}
    assert all(by_index[i.card].supports_efa for i in layout if i.kind == "efa-only")
    assert len({(i.card, i.device) for i in layout}) == len(layout)


def test_p5_layout_matches_the_aws_example():
    layout = interfaces(catalog.get("p5.48xlarge"), efa=True)
    expected = [Interface(card=0, device=0, kind="interface"), Interface(card=0, device=1, kind="efa-only")]
    expected += [Interface(card=c, device=0, kind="efa-only") for c in range(1, 32)]
    assert list(layout) == expected


def test_p6_b300_has_no_efa_on_card_zero():
    layout = interfaces(catalog.get("p6-b300.48xlarge"), efa=True)
    assert [i for i in layout if i.card == 0] == [Interface(card=0, device=0, kind="interface")]
    assert [i.card for i in layout if i.kind == "efa-only"] == list(range(1, 17))


def test_efa_off_leaves_only_the_primary_interface():
    assert interfaces(catalog.get("p5.48xlarge"), efa=False) == (Interface(card=0, device=0, kind="interface"),)


def test_extra_ena_interfaces_go_to_device_one_of_the_next_cards():
    itype = catalog.get("p6-b200.48xlarge")
    layout = interfaces(itype, efa=True, extra_ena=2)
    assert [i for i in layout if i.kind == "interface"] == [
        Interface(card=0, device=0, kind="interface"),
        Interface(card=1, device=1, kind="interface"),
        Interface(card=2, device=1, kind="interface"),
    ]
    assert ip_addresses(layout) == 3
    assert [c.index for c in extra_ena_slots(itype)] == list(range(1, 8))  # AWS's maximum-bandwidth B200 example


@pytest.mark.parametrize("name", ["p5.48xlarge", "p5e.48xlarge"])
def test_p5_extra_ena_interfaces_go_one_per_group_of_four_cards(name):
    """AWS's maximum-bandwidth P5/P5e example: 32 EFA-only interfaces, plus an ENA interface at device 1 of cards
    4, 8, ..., 28 (efa-acc-inst-types.html, use case 2): 8 IP addresses in all."""
    itype = catalog.get(name)
    layout = interfaces(itype, efa=True, extra_ena=7)
    expected = [Interface(card=0, device=0, kind="interface"), Interface(card=0, device=1, kind="efa-only")]
    for card in range(1, 32):
        expected.append(Interface(card=card, device=0, kind="efa-only"))
        if card % 4 == 0:
            expected.append(Interface(card=card, device=1, kind="interface"))
    assert list(layout) == expected
    assert ip_addresses(layout) == 8
    assert [i.card for i in interfaces(itype, efa=True, extra_ena=2) if i.device == 1 and i.card] == [4, 8]


def test_gb200_default_layout_is_awss_efa_only_on_every_efa_card():
    """efa-acc-inst-types: card 0 d0 ENA (card 0 has no EFA); device 0 of every other card EFA-only."""
    layout = interfaces(catalog.get("p6e-gb200.36xlarge"), efa=True)
    efa_only = [Interface(card=c, device=0, kind="efa-only") for c in range(1, 17)]
    assert layout == (Interface(card=0, device=0, kind="interface"), *efa_only)


def test_gb200_extra_ena_interfaces_go_at_device_1_of_the_even_cards():
    """Even cards take 2 interfaces, odd ones 1 (ParallelCluster PR #6930): the documented ENA alternative."""
    itype = catalog.get("p6e-gb200.36xlarge")
    assert [c.index for c in extra_ena_slots(itype)] == [2, 4, 6, 8, 10, 12, 14, 16]
    layout = interfaces(itype, efa=True, extra_ena=8)
    assert [(i.card, i.device) for i in layout if i.kind == "interface"][1:] == [(c, 1) for c in range(2, 17, 2)]
    assert ip_addresses(layout) == 9
