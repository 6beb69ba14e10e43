"""``import locations`` and ``import products`` (with ``--update`` too) read every row before writing:
one refusal names each row whose cells do not read, with its column, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Table, func, select

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations, variants
from truecount.domain.errors import InvalidInput
from truecount.services.common.scope import Scope
from truecount.services.imports import importer, updates


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "file.csv"
    path.write_text(text, encoding="utf-8")
    return path


def count(db: Database, scope: Scope, table: Table) -> int:
    with db.read() as conn:
        query = select(func.count()).select_from(table).where(table.c.merchant_id == scope.merchant_id)
        return int(conn.execute(query).scalar_one())


def rows_and_columns(refused: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[int, str]]:
    return [(d["row"], d["column"]) for d in refused.value.details]


def test_every_location_row_that_does_not_read_is_named_and_none_is_written(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    text = "code,saleable,priority\nWH1,yes,10\nWH2,maybe,\nWH3,no,high\nWH4,,-\n"
    for update_existing in (False, True):
        with pytest.raises(InvalidInput) as refused:
            updates.import_locations(db, scope, write(tmp_path, text), update_existing=update_existing)
        assert str(refused.value).startswith("file: 3 bad row(s), nothing imported; row 3, column saleable: ")
        assert rows_and_columns(refused) == [(3, "saleable"), (4, "priority"), (5, "priority")]
    assert count(db, scope, locations) == 0


def test_every_product_row_that_does_not_read_is_named_and_none_is_written(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    f.variant(db, scope, "OLD")
    before = count(db, scope, variants)
    text = (
        "product,sku,tracked,sellable_from,components,options\n"
        "Tee,T1,,,,size=S\nTee,T2,maybe,,,\n,T3,,,,\nMug,M1,,next week,,\nPack,P1,,,T1:x,\nCap,C1,,,,colour\n"
    )
    with pytest.raises(InvalidInput) as refused:
        importer.import_products(db, scope, write(tmp_path, text))
    assert str(refused.value).startswith("file: 5 bad row(s), nothing imported; row 3, column tracked: ")
    expected = [(3, "tracked"), (4, "product"), (5, "sellable_from"), (6, "components"), (7, "options")]
    assert rows_and_columns(refused) == expected
    with pytest.raises(InvalidInput) as again:
        updates.update_products(db, scope, write(tmp_path, text))
    assert rows_and_columns(again) == expected
    assert count(db, scope, variants) == before
