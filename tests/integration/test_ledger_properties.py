"""Property: any sequence of accepted movements leaves every level equal to the ledger's sum and never negative."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.ledger import movements
from truecount.domain.commands import PostMovement
from truecount.domain.errors import TruecountError
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock_service
from truecount.services.stock.movements import post_movement
from truecount.services.stock.verify import verify

SKUS = ("A", "B")
PLACES = ("X", "Y", "Y-BIN")
LOTS = (None, "L1", "L2")
EXPIRY = {"L1": date(2030, 1, 1), "L2": date(2031, 6, 1)}

movement = st.one_of(
    st.builds(
        lambda s, p, q, lot: PostMovement("receive", s, p, q, lot=lot, expires_on=EXPIRY.get(lot or "")),
        st.sampled_from(SKUS),
        st.sampled_from(PLACES),
        st.integers(1, 20),
        st.sampled_from(LOTS),
    ),
    st.builds(
        lambda s, p, d, lot: PostMovement("adjust", s, p, d, reason="property", lot=lot),
        st.sampled_from(SKUS),
        st.sampled_from(PLACES),
        st.integers(-15, 15).filter(bool),
        st.sampled_from(LOTS),
    ),
    st.builds(
        lambda s, p, q, lot: PostMovement("count", s, p, q, lot=lot),
        st.sampled_from(SKUS),
        st.sampled_from(PLACES),
        st.integers(0, 25),
        st.sampled_from(LOTS),
    ),
    st.builds(
        lambda s, a, b, q, lot: PostMovement("transfer", s, a, q, to_location=b, lot=lot),
        st.sampled_from(SKUS),
        st.sampled_from(PLACES),
        st.sampled_from(PLACES),
        st.integers(1, 15),
        st.sampled_from(LOTS),
    ),
    st.builds(
        lambda s, p, q: PostMovement("feed", s, p, q, reference="supplier feed"),
        st.sampled_from(SKUS),
        st.sampled_from(PLACES),
        st.integers(0, 30),
    ),
    st.builds(
        lambda s, p, q: PostMovement("return", s, p, q, inventory_type="damaged"),
        st.sampled_from(SKUS),
        st.sampled_from(PLACES),
        st.integers(1, 5),
    ),
)


def ledger_size(db: Database, scope: Scope) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).where(movements.c.merchant_id == scope.merchant_id)).scalar_one())


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(movement, min_size=1, max_size=12))
def test_accepted_movements_keep_levels_equal_to_the_ledger_and_never_negative(
    db: Database, fresh_scope: object, steps: list[PostMovement]
) -> None:
    scope = fresh_scope()  # type: ignore[operator]
    for sku in SKUS:
        f.variant(db, scope, sku)
    f.location(db, scope, "X")
    f.location(db, scope, "Y")
    f.location(db, scope, "Y-BIN", parent="Y")
    for step in steps:
        before = ledger_size(db, scope)
        try:
            post_movement(db, scope, step)
        except TruecountError:
            assert ledger_size(db, scope) == before  # a refusal writes nothing
    assert verify(db, scope) == []
    for row in stock_service.stock(db, scope):
        assert row.on_hand >= 0 and row.booked >= 0
        assert sum(lot.on_hand for lot in row.lots) <= row.on_hand
