"""The planner's substitutes on their own: which substitute a short line ships, as a pure function."""

from __future__ import annotations

from truecount.domain.booking.planner import Outcome, plan_batch
from truecount.domain.booking.sources import Take
from truecount.domain.booking.view import ChannelSources, StockView, Substitute, VariantFacts
from truecount.domain.commands import OrderLineSpec, PlaceOrder

WH1, WH2, GOOD = 1, 2, 1
WEB = ChannelSources("web", 7, "priority", {(WH1, GOOD): 0, (WH2, GOOD): 1})
POS = ChannelSources("pos", 8, "priority", {(WH1, GOOD): 0})
TEE, NAVY, PACK = VariantFacts(10, "TEE"), VariantFacts(11, "NAVY"), VariantFacts(12, "PACK")
KIT = VariantFacts(13, "KIT", bundle=True, components=((10, 1),))
LISTS = {10: (Substitute(12, "PACK", 2, frozenset({7})), Substitute(11, "NAVY")), 13: (Substitute(11, "NAVY"),)}


def _view(free: dict[int, dict[tuple[int, int], int]]) -> StockView:
    names = {v.sku: v for v in (TEE, NAVY, PACK, KIT)}
    return StockView(names, free, {"web": WEB, "pos": POS}, substitutes=LISTS)


def _order(
    sku: str, quantity: int, *, channel: str = "web", strict: bool = False, subs: bool | None = None
) -> PlaceOrder:
    return PlaceOrder(channel, f"{channel}-{sku}-{quantity}", [OrderLineSpec(sku, quantity)], strict, subs)


def test_a_line_its_variant_covers_ships_the_variant() -> None:
    (order,) = plan_batch(
        _view({10: {(WH1, GOOD): 1, (WH2, GOOD): 2}, 11: {(WH1, GOOD): 9}}), [_order("TEE", 3)]
    ).orders
    assert order.lines[0].substitution is None
    assert order.lines[0].units[0].takes == [Take(WH1, GOOD, 1), Take(WH2, GOOD, 2)]


def test_a_short_line_ships_the_first_substitute_its_channel_allows_that_covers_the_whole_line() -> None:
    free = {10: {(WH1, GOOD): 1}, 11: {(WH1, GOOD): 9}, 12: {(WH2, GOOD): 6}}
    web, pos = plan_batch(_view(free), [_order("TEE", 3), _order("TEE", 3, channel="pos")]).orders
    assert web.lines[0].substitution is not None and web.lines[0].substitution.substitute.sku == "PACK"
    assert (web.lines[0].units[0].variant_id, web.lines[0].units[0].takes) == (12, [Take(WH2, GOOD, 6)])
    assert web.lines[0].substitution.ordered_free == 1 and not web.short
    assert (
        pos.lines[0].substitution is not None and pos.lines[0].substitution.substitute.sku == "NAVY"
    )  # PACK: web only


def test_a_substitute_covering_only_part_of_the_line_is_passed_over_and_the_line_owes_the_rest() -> None:
    (order,) = plan_batch(_view({10: {(WH1, GOOD): 1}, 11: {(WH1, GOOD): 2}}), [_order("TEE", 3)]).orders
    assert order.lines[0].substitution is None and order.lines[0].units[0].short == 2


def test_a_strict_order_takes_substitutes_only_when_it_says_so_and_a_bundle_line_never() -> None:
    free = {10: {(WH1, GOOD): 1}, 11: {(WH1, GOOD): 9}}
    strict, accepting, declining, kit = plan_batch(
        _view(free),
        [_order("TEE", 2, strict=True), _order("TEE", 3, strict=True, subs=True), _order("TEE", 4, subs=False),
         _order("KIT", 5)],
    ).orders  # fmt: skip
    assert strict.outcome is Outcome.REFUSED
    assert accepting.outcome is Outcome.BOOKED and accepting.lines[0].substitution is not None
    assert declining.lines[0].substitution is None and declining.lines[0].units[0].short == 3
    assert kit.lines[0].substitution is None and kit.lines[0].units[0].variant_id == 10
