"""``any_of``: a column matched against a list parameter, on each backend, whatever the list's length."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from tests import factories as f
from truecount.adapters.db.any_of import any_of, in_list
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.services.common.scope import Scope

_SKUS = select(variants.c.sku).where(variants.c.merchant_id == bindparam("m"), any_of(variants.c.sku, "skus"))


def test_one_statement_answers_lists_of_every_length(db: Database, scope: Scope) -> None:
    for sku in ("A", "B", "C", "it's"):
        f.variant(db, scope, sku)
    with db.read() as conn:

        def found(skus: list[str]) -> list[str]:
            return sorted(conn.execute(_SKUS, {"m": scope.merchant_id, "skus": skus}).scalars())

        assert found([]) == []
        assert found(["B"]) == ["B"]
        assert found(["A", "C", "NOPE"]) == ["A", "C"]
        assert found(["it's", "A", "B", "C"]) == ["A", "B", "C", "it's"]
        assert found(["B", "B"]) == ["B"]


_BY_ID = select(variants.c.sku).where(variants.c.merchant_id == bindparam("m"), in_list(variants.c.id, "ids"))
_BY_SKU = select(variants.c.sku).where(variants.c.merchant_id == bindparam("m"), in_list(variants.c.sku, "skus"))


def test_in_list_takes_lists_past_sqlites_variable_limit_in_one_statement(db: Database, scope: Scope) -> None:
    for sku in ("A", "B", "it's"):
        f.variant(db, scope, sku)
    with db.read() as conn:
        rows = conn.execute(select(variants.c.sku, variants.c.id).where(variants.c.merchant_id == scope.merchant_id))
        ids = {str(sku): int(vid) for sku, vid in rows}
        m = scope.merchant_id
        many = [*range(-40_000, 0), ids["B"]]  # more values than SQLite's 32,766 placeholders
        assert conn.execute(_BY_ID, {"m": m, "ids": many}).scalars().all() == ["B"]
        assert conn.execute(_BY_ID, {"m": m, "ids": []}).scalars().all() == []
        assert sorted(conn.execute(_BY_SKU, {"m": m, "skus": ["it's", "A", "NOPE"]}).scalars()) == ["A", "it's"]
