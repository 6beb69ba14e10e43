"""The planner on its own: where each order line is taken from, as a pure function of a stock view."""

from __future__ import annotations

from truecount.domain.booking.planner import Outcome, plan_batch
from truecount.domain.booking.sources import Take
from truecount.domain.booking.view import ChannelSources, StockView, VariantFacts
from truecount.domain.commands import OrderLineSpec, PlaceOrder

WH1, WH2, GOOD = 1, 2, 1
WEB = ChannelSources("web", 7, "priority", {(WH1, GOOD): 0, (WH2, GOOD): 1})
TEE, CAP, KIT = (
    VariantFacts(10, "TEE"),
    VariantFacts(11, "CAP"),
    VariantFacts(12, "KIT", bundle=True, components=((10, 1), (11, 2))),
)
FREE = VariantFacts(13, "FREE", tracked=False)


def _view(free: dict[int, dict[tuple[int, int], int]], **kwargs: object) -> StockView:
    names = {v.sku: v for v in (TEE, CAP, KIT, FREE)}
    return StockView(names, free, {"web": WEB}, **kwargs)  # type: ignore[arg-type]


def _order(external_id: str, *lines: tuple[str, int], strict: bool = False) -> PlaceOrder:
    return PlaceOrder("web", external_id, [OrderLineSpec(sku, q) for sku, q in lines], strict)


def test_each_order_sees_what_the_earlier_orders_of_the_batch_took() -> None:
    plan = plan_batch(_view({10: {(WH1, GOOD): 3, (WH2, GOOD): 5}}), [_order("A", ("TEE", 2)), _order("B", ("TEE", 2))])
    first, second = plan.orders
    assert first.lines[0].units[0].takes == [Take(WH1, GOOD, 2)]
    assert second.lines[0].units[0].takes == [Take(WH2, GOOD, 2)]  # one left at WH1: WH2 covers it whole
    assert plan.demand() == {(10, WH1, GOOD): 2, (10, WH2, GOOD): 2}


def test_a_strict_order_short_anywhere_takes_nothing_and_names_its_short_lines() -> None:
    view = _view({10: {(WH1, GOOD): 3}, 11: {(WH1, GOOD): 1}})
    plan = plan_batch(view, [_order("S", ("TEE", 1), ("CAP", 2), strict=True), _order("C", ("TEE", 3))])
    refused, after = plan.orders
    assert refused.outcome is Outcome.REFUSED
    assert [(s.line, s.sku, s.available, s.missing) for s in refused.short_lines] == [(2, "CAP", 1, 1)]
    assert after.lines[0].units[0].takes == [Take(WH1, GOOD, 3)]  # what the refused order planned was given back


def test_a_channel_order_keeps_what_it_took_and_owes_the_rest() -> None:
    (order,) = plan_batch(_view({10: {(WH1, GOOD): 1, (WH2, GOOD): 1}}), [_order("C", ("TEE", 5))]).orders
    unit = order.lines[0].units[0]
    assert (
        order.outcome is Outcome.BOOKED and unit.takes == [Take(WH1, GOOD, 1), Take(WH2, GOOD, 1)] and unit.short == 3
    )


def test_a_bundle_takes_itself_when_assembled_stock_covers_the_line_else_its_components() -> None:
    view = _view({12: {(WH1, GOOD): 1}, 10: {(WH2, GOOD): 9}, 11: {(WH2, GOOD): 9}})
    assembled, parts = plan_batch(view, [_order("A", ("KIT", 1)), _order("B", ("KIT", 2))]).orders
    assert [u.variant_id for u in assembled.lines[0].units] == [12]
    assert [(u.variant_id, u.per_line, u.takes) for u in parts.lines[0].units] == [
        (10, 1, [Take(WH2, GOOD, 2)]),
        (11, 2, [Take(WH2, GOOD, 4)]),
    ]


def test_unknown_names_replays_and_untracked_lines() -> None:
    view = _view({10: {(WH1, GOOD): 5}}, recorded={("web", "OLD"): 99})
    cmds = [_order("N", ("NOPE", 1)), _order("OLD", ("TEE", 1)), _order("X", ("TEE", 1)), _order("X", ("TEE", 1)),
            _order("F", ("FREE", 4))]  # fmt: skip
    unknown, old, first, again, free = plan_batch(view, cmds).orders
    assert unknown.outcome is Outcome.INVALID and unknown.invalid == (
        "lines[0].sku",
        "no variant with SKU or barcode 'NOPE'",
    )
    assert old.outcome is Outcome.REPLAY and old.recorded_id == 99 and old.lines == []
    assert first.outcome is Outcome.BOOKED and again.outcome is Outcome.REPLAY and again.same_as == 2
    assert free.outcome is Outcome.BOOKED and free.lines[0].units == []


def test_a_plan_is_certain_only_when_every_line_comes_whole_from_the_channels_first_source() -> None:
    whole = plan_batch(_view({10: {(WH1, GOOD): 9}}, exact=False), [_order("A", ("TEE", 2)), _order("B", ("TEE", 3))])
    split = plan_batch(_view({10: {(WH1, GOOD): 1, (WH2, GOOD): 9}}, exact=False), [_order("A", ("TEE", 2))])
    second = plan_batch(_view({10: {(WH2, GOOD): 9}}, exact=False), [_order("A", ("TEE", 2))])
    assert whole.certain and not split.certain and not second.certain
    most = ChannelSources("web", 7, "most_available", WEB.ranks)
    view = StockView({"TEE": TEE}, {10: {(WH1, GOOD): 9}}, {"web": most}, exact=False)
    assert not plan_batch(view, [_order("A", ("TEE", 1))]).certain  # its order depends on the stock
