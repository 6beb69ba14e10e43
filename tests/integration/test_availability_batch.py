"""A stock import is one act: the availability listeners hear of it once, with every variant it moved."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.domain.errors import InvalidInput
from truecount.services.common import availability
from truecount.services.common.lookups import variant_id
from truecount.services.common.scope import Scope
from truecount.services.imports import stock as stock_import


def test_an_import_announces_once_a_refused_file_never_and_a_single_movement_at_once(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "A")
    f.variant(db, scope, "B")
    heard: list[set[int]] = []

    def listener(conn: Connection, merchant_id: int, variant_ids: set[int]) -> None:
        if merchant_id == scope.merchant_id:
            heard.append(set(variant_ids))

    with availability.also(listener):
        good = tmp_path / "good.csv"
        good.write_text("sku,location,quantity\nA,WH1,3\nB,WH1,2\nA,WH1,1\n", encoding="utf-8")
        stock_import.import_stock(db, scope, good)
        with db.read() as conn:
            a, b = variant_id(conn, scope.merchant_id, "A"), variant_id(conn, scope.merchant_id, "B")
        assert heard == [{a, b}]
        bad = tmp_path / "bad.csv"
        bad.write_text("sku,location,quantity\nA,WH1,3\nB,WH1,0\n", encoding="utf-8")
        with pytest.raises(InvalidInput):
            stock_import.import_stock(db, scope, bad)
        assert heard == [{a, b}]
        f.receive(db, scope, "B", 1, "WH1")
        assert heard == [{a, b}, {b}]
