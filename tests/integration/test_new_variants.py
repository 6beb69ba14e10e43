"""A product's variants written together (barcodes and components included) on both backends, and every
refusal still named as the one-variant-at-a-time path names it, nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import barcodes, bundle_components, products, variants
from truecount.domain.commands import AddProduct, ComponentSpec, VariantSpec
from truecount.domain.errors import TruecountError
from truecount.services.catalog.records import add_product
from truecount.services.common.scope import Scope


def _rows(db: Database, scope: Scope) -> tuple[int, int, int]:
    m = scope.merchant_id
    with db.read() as conn:
        return (
            conn.execute(select(func.count()).where(products.c.merchant_id == m)).scalar_one(),
            conn.execute(select(func.count()).where(variants.c.merchant_id == m)).scalar_one(),
            conn.execute(select(func.count()).where(barcodes.c.merchant_id == m)).scalar_one(),
        )


def test_a_products_variants_are_created_in_order_with_their_barcodes_and_components(
    db: Database, scope: Scope
) -> None:
    add_product(db, scope, AddProduct("Mug", [VariantSpec(sku="MUG")]))
    add_product(db, scope, AddProduct("Cap", [VariantSpec(sku="CAP", barcodes=["4000000000017"])]))
    created = add_product(
        db,
        scope,
        AddProduct(
            "Tee",
            [
                VariantSpec(sku=f"TEE-{size}", barcodes=[f"TB-{size}", f"TC-{size}"], options={"size": size})
                for size in ("S", "M", "L")
            ]
            + [VariantSpec(sku="SET", components=[ComponentSpec("MUG", 2), ComponentSpec("4000000000017", 1)])],
        ),
    )
    assert [v.sku for v in created.variants] == ["TEE-S", "TEE-M", "TEE-L", "SET"]
    m = scope.merchant_id
    with db.read() as conn:
        ids = dict(conn.execute(select(variants.c.sku, variants.c.id).where(variants.c.merchant_id == m)).all())
        codes = dict(
            conn.execute(select(barcodes.c.code, barcodes.c.variant_id).where(barcodes.c.merchant_id == m)).all()
        )
        parts = conn.execute(
            select(bundle_components.c.component_id, bundle_components.c.quantity).where(
                bundle_components.c.bundle_id == ids["SET"]
            )
        ).all()
        bundle = conn.execute(select(variants.c.is_bundle).where(variants.c.id == ids["SET"])).scalar_one()
    assert [v.id for v in created.variants] == [ids[s] for s in ("TEE-S", "TEE-M", "TEE-L", "SET")]
    assert codes["TB-M"] == codes["TC-M"] == ids["TEE-M"] and codes["TC-L"] == ids["TEE-L"]
    assert sorted((int(c), int(q)) for c, q in parts) == sorted([(ids["MUG"], 2), (ids["CAP"], 1)])  # CAP by barcode
    assert bundle


@pytest.mark.parametrize(
    ("specs", "field", "words"),
    [
        ([VariantSpec(sku="A"), VariantSpec(sku="MUG")], "variants[1].sku", "already exists"),
        ([VariantSpec(sku="A", barcodes=["111"])], "variants[0].barcodes", "already belongs"),
        ([VariantSpec(sku="A", barcodes=["MUG"])], "variants[0].barcodes", "another variant's SKU"),
        ([VariantSpec(sku="A"), VariantSpec(sku="B", barcodes=["A"])], "variants[1].barcodes", "another variant's SKU"),
        ([VariantSpec(sku="A", barcodes=["9"]), VariantSpec(sku="B", barcodes=["9"])], "variants[1].barcodes", "9"),
        ([VariantSpec(sku="A", components=[ComponentSpec("NOPE", 1)])], "variants[0].components[0].sku", "NOPE"),
        ([VariantSpec(sku="A", components=[ComponentSpec("KIT", 1)])], "variants[0].components[0].sku", "bundle"),
    ],
)
def test_a_variant_that_must_be_refused_is_named_and_nothing_of_its_product_is_written(
    db: Database, scope: Scope, specs: list[VariantSpec], field: str, words: str
) -> None:
    add_product(db, scope, AddProduct("Mug", [VariantSpec(sku="MUG", barcodes=["111"])]))
    add_product(db, scope, AddProduct("Kit", [VariantSpec(sku="KIT", components=[ComponentSpec("MUG", 2)])]))
    before = _rows(db, scope)
    with pytest.raises(TruecountError) as refused:
        add_product(db, scope, AddProduct("New", specs))
    assert refused.value.field == field and words in str(refused.value)
    assert _rows(db, scope) == before
