"""The planner's pre-orders: a short unit is taken against future stock as far as its channel's
``prebook`` rule allows (open ordered = booked everywhere + owed, up to the rule's quantity); the
rest is oversold."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from truecount.domain.booking.planner import BatchPlan, Outcome, Unit, plan_batch, plan_preorders
from truecount.domain.booking.view import ChannelSources, StockView, VariantFacts
from truecount.domain.commands import OrderLineSpec, PlaceOrder

WH1, GOOD = 1, 1
WEB = ChannelSources("web", 7, "priority", {(WH1, GOOD): 0})
SHOP = ChannelSources("shop", 8, "priority", {(WH1, GOOD): 0})
TEE, CAP = VariantFacts(10, "TEE"), VariantFacts(11, "CAP")


def _plan(free: dict[int, int], *orders: PlaceOrder) -> BatchPlan:
    view = StockView(
        {"TEE": TEE, "CAP": CAP}, {v: {(WH1, GOOD): q} for v, q in free.items()}, {"web": WEB, "shop": SHOP}
    )
    return plan_batch(view, orders)


def _order(external_id: str, sku: str, quantity: int, channel: str = "web", strict: bool = False) -> PlaceOrder:
    return PlaceOrder(channel, external_id, [OrderLineSpec(sku, quantity)], strict)


def _units(plan: BatchPlan) -> list[Unit]:
    return [unit for order in plan.booked() for line in order.lines for unit in line.units]


def test_a_shortfall_is_a_pre_order_up_to_the_prebook_quantity_and_the_rest_is_oversold() -> None:
    first = _plan({10: 4}, _order("P1", "TEE", 7))
    plan_preorders(first, {(WEB.id, TEE.id): 10}, {TEE.id: 0})
    (unit,) = _units(first)
    assert (unit.short, unit.preorder, unit.oversold, unit.prebook) == (3, 3, 0, True)  # open 7 of 10
    second = _plan({10: 0}, _order("P2", "TEE", 5))
    plan_preorders(second, {(WEB.id, TEE.id): 10}, {TEE.id: 7})
    (unit,) = _units(second)
    assert (unit.short, unit.preorder, unit.oversold, unit.prebook) == (5, 3, 2, True)


def test_the_whole_batch_s_bookings_count_before_its_first_shortfall_is_split() -> None:
    plan = _plan({10: 4}, _order("A", "TEE", 6), _order("B", "TEE", 3))  # A takes 4, owes 2; B owes 3
    plan_preorders(plan, {(WEB.id, TEE.id): 7}, {TEE.id: 0})
    assert [(u.preorder, u.oversold) for u in _units(plan)] == [(2, 0), (1, 2)]  # 4 booked + 2 + 1 = 7


def test_without_a_rule_every_short_unit_is_oversold_and_an_unlimited_rule_takes_them_all() -> None:
    plan = _plan({10: 1, 11: 0}, _order("N", "TEE", 3, channel="shop"), _order("U", "CAP", 4))
    plan_preorders(plan, {(WEB.id, CAP.id): None, (SHOP.id, CAP.id): 1}, {})
    tee, cap = _units(plan)
    assert (tee.preorder, tee.oversold, tee.prebook) == (0, 2, False)  # the rule is the channel's, per variant
    assert (cap.preorder, cap.oversold, cap.prebook) == (4, 0, True)


def test_a_refused_strict_order_owes_nothing() -> None:
    plan = _plan({10: 1}, _order("S", "TEE", 3, strict=True))
    plan_preorders(plan, {(WEB.id, TEE.id): None}, {})
    (order,) = plan.orders
    assert order.outcome is Outcome.REFUSED and all(u.preorder == 0 for line in order.lines for u in line.units)


orders = st.lists(
    st.tuples(st.sampled_from(["web", "shop"]), st.sampled_from(["TEE", "CAP"]), st.integers(1, 8), st.booleans()),
    min_size=1,
    max_size=8,
)


@given(
    free=st.integers(0, 10),
    batch=orders,
    open_before=st.integers(0, 12),
    limit=st.one_of(st.none(), st.integers(0, 30)),
)
def test_pre_orders_fill_what_the_rule_still_allows_first_come_first_served(
    free: int, batch: list[tuple[str, str, int, bool]], open_before: int, limit: int | None
) -> None:
    cmds = [_order(f"O{n}", sku, q, channel, strict) for n, (channel, sku, q, strict) in enumerate(batch)]
    plan = _plan({10: free, 11: free}, *cmds)
    plan_preorders(plan, {(WEB.id, TEE.id): limit}, {TEE.id: open_before})
    booked = sum(q for (vid, _, _), q in plan.demand().items() if vid == TEE.id)
    room = None if limit is None else max(0, limit - open_before - booked)
    for order in plan.booked():
        for line in order.lines:
            for unit in line.units:
                assert 0 <= unit.preorder <= unit.short and unit.oversold == unit.short - unit.preorder
                on_rule = order.cmd.channel == "web" and unit.variant_id == TEE.id
                assert unit.prebook is (on_rule and bool(unit.short))
                if not on_rule:
                    assert unit.preorder == 0
                elif room is None:
                    assert unit.preorder == unit.short
                else:  # earlier units first: each takes what is left of the room, shortfalls on any channel use it up
                    assert unit.preorder == min(unit.short, room)
                if unit.variant_id == TEE.id and room is not None:
                    room = max(0, room - unit.short)
