"""The stock screen's search text on both backends: part of a SKU, part of a product name (however many
products match), or a whole barcode; nothing else."""

from __future__ import annotations

import pytest

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.entrypoints.web import stock_search
from truecount.services.catalog import records as catalog
from truecount.services.common.scope import Scope


def _shop(db: Database, scope: Scope) -> None:
    catalog.add_product(
        db, scope, catalog.AddProduct("Classic Tee", [catalog.VariantSpec("TEE-S"), catalog.VariantSpec("TEE-M")])
    )
    catalog.add_product(
        db, scope, catalog.AddProduct("Tee bag", [catalog.VariantSpec("BAG-1", barcodes=["4006381333931"])])
    )
    f.variant(db, scope, "MUG-BLUE", name="Mug")


def found(db: Database, scope: Scope, q: str) -> list[str]:
    return [row.sku for row in stock_search.search(db, scope, q)]


def test_a_search_matches_part_of_a_sku_part_of_a_name_or_a_whole_barcode(db: Database, scope: Scope) -> None:
    _shop(db, scope)
    assert found(db, scope, "ee-") == ["TEE-M", "TEE-S"]  # part of a SKU, any case
    assert found(db, scope, "TEE") == ["BAG-1", "TEE-M", "TEE-S"]  # SKUs and the names of both products
    assert found(db, scope, "4006381333931") == ["BAG-1"]
    assert found(db, scope, "400638133393") == []  # part of a barcode is not a match
    assert found(db, scope, "blue") == ["MUG-BLUE"]
    assert found(db, scope, "nothing") == []


def test_many_products_matching_a_name_are_matched_inside_the_statement(
    db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    _shop(db, scope)
    monkeypatch.setattr(stock_search, "NAMED_AT_MOST", 1)  # two products match "tee": past the cap
    assert found(db, scope, "tee") == ["BAG-1", "TEE-M", "TEE-S"]
    assert found(db, scope, "bag") == ["BAG-1"]
