"""``any_of``: a column matched against a list parameter, on each backend, whatever the list's length."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from tests import factories as f
from truecount.adapters.db.any_of import any_of
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
