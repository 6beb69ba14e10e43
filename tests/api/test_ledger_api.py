"""The ledger's resources over HTTP: locations, products, variants, movements, stock, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests import factories as f
from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations, variants
from truecount.adapters.db.tables.ledger import movements, stock_levels
from truecount.services.common.scope import Scope


def footprint(db: Database, scope: Scope) -> tuple[int, ...]:
    """Rows the merchant owns in the ledger, the levels and the catalogue: unchanged by any refusal."""
    with db.read() as conn:
        return tuple(
            int(conn.execute(select(func.count()).where(t.c.merchant_id == scope.merchant_id)).scalar_one())
            for t in (movements, stock_levels, variants, locations)
        )


@pytest.fixture
def shop(db: Database, scope: Scope) -> Scope:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.location(db, scope, "WH2")
    f.variant(db, scope, "TEE-M", name="Blue tee", barcodes=["400000000001"])
    return scope


def test_a_location_and_a_bin_are_created_and_listed(api: TestClient) -> None:
    made = api.post("/api/v1/locations", json={"code": "WH1", "name": "Main", "kind": "warehouse"})
    assert made.status_code == 201
    assert made.json() | {"id": 0} == {
        "id": 0,
        "code": "WH1",
        "name": "Main",
        "kind": "warehouse",
        "saleable": True,
        "parent": None,
        "priority": 100,
        "replayed": False,
    }
    shelf = {"code": "WH1-A1", "name": "Aisle A", "parent": "WH1", "saleable": False, "priority": 5}
    assert api.post("/api/v1/locations", json=shelf).json()["parent"] == "WH1"
    listed = api.get("/api/v1/locations").json()
    assert [(row["code"], row["parent"]) for row in listed] == [("WH1", None), ("WH1-A1", "WH1")]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"name": "No code"}, 422, "invalid_input", "code"),
        ({"code": "X1"}, 422, "invalid_input", "name"),
        ({"code": "X 1", "name": "x"}, 422, "invalid_input", "code"),
        ({"code": "X1", "name": "x", "kind": "castle"}, 422, "invalid_input", "kind"),
        ({"code": "X1", "name": "x", "priority": -1}, 422, "invalid_input", "priority"),
        ({"code": "X1", "name": "x", "parent": "NOPE"}, 404, "not_found", "parent"),
        ({"code": "X1", "name": "x", "colour": "red"}, 422, "invalid_input", "colour"),
        ({"code": "WH1", "name": "again"}, 409, "already_exists", "code"),
        ({"code": "X\u00001", "name": "x"}, 422, "invalid_input", "code"),
    ],
)
def test_a_bad_location_is_refused_naming_the_field_and_nothing_is_written(
    api: TestClient, db: Database, shop: Scope, body: dict[str, object], status: int, code: str, field: str
) -> None:
    before = footprint(db, shop)
    assert_error(api.post("/api/v1/locations", json=body), status, code, field)
    assert footprint(db, shop) == before


def test_a_body_that_is_not_json_is_refused(api: TestClient, db: Database, shop: Scope) -> None:
    before = footprint(db, shop)
    response = api.post("/api/v1/locations", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(response, 422, "invalid_input")
    assert footprint(db, shop) == before


def test_a_product_with_variants_barcodes_and_a_bundle_is_created_and_found(api: TestClient, shop: Scope) -> None:
    body = {
        "name": "Water bottle",
        "variants": [
            {"sku": "BOTTLE", "barcodes": ["500000000001"], "options": {"size": "1l"}},
            {"sku": "GIFT", "tracked": False},
        ],
    }
    made = api.post("/api/v1/products", json=body, headers={"Idempotency-Key": "p-1"})
    assert made.status_code == 201
    assert [v["sku"] for v in made.json()["variants"]] == ["BOTTLE", "GIFT"]
    pack = {"name": "Pack", "variants": [{"sku": "PACK-10", "components": [{"sku": "BOTTLE", "quantity": 10}]}]}
    assert api.post("/api/v1/products", json=pack).status_code == 201
    by_barcode = api.get("/api/v1/variants", params={"q": "500000000001"}).json()
    assert [(v["sku"], v["options"], v["barcodes"]) for v in by_barcode] == [
        ("BOTTLE", {"size": "1l"}, ["500000000001"])
    ]
    by_name = api.get("/api/v1/variants", params={"q": "water"}).json()
    assert [(v["sku"], v["tracked"]) for v in by_name] == [("BOTTLE", True), ("GIFT", False)]
    assert api.get("/api/v1/variants", params={"q": "pack-"}).json()[0]["bundle"] is True
    replay = api.post("/api/v1/products", json=body, headers={"Idempotency-Key": "p-1"})
    assert replay.json()["replayed"] is True and replay.json()["id"] == made.json()["id"]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"name": "x", "variants": []}, 422, "invalid_input", "variants"),
        ({"variants": [{"sku": "A"}]}, 422, "invalid_input", "name"),
        ({"name": "x", "variants": [{"sku": "A"}, {"sku": "A"}]}, 422, "invalid_input", "variants[1].sku"),
        ({"name": "x", "variants": [{"sku": "TEE-M"}]}, 409, "already_exists", "variants[0].sku"),
        ({"name": "x", "variants": [{"sku": "A", "barcodes": ["400000000001"]}]}, 409, "already_exists", None),
        (
            {"name": "x", "variants": [{"sku": "A", "components": [{"sku": "NOPE", "quantity": 1}]}]},
            404,
            "not_found",
            "variants[0].components[0].sku",
        ),
        (
            {"name": "x", "variants": [{"sku": "A", "components": [{"sku": "TEE-M", "quantity": 0}]}]},
            422,
            "invalid_input",
            "variants[0].components[0].quantity",
        ),
        (
            {
                "name": "x",
                "variants": [{"sku": "A", "tracked": False, "components": [{"sku": "TEE-M", "quantity": 2}]}],
            },
            422,
            "invalid_input",
            "variants[0].tracked",
        ),
        ({"name": "x", "variants": [{"sku": "A", "sellable_from": "soon"}]}, 422, "invalid_input", None),
        ({"name": "x", "variants": [{"sku": "A" * 129}]}, 422, "invalid_input", "variants[0].sku"),
    ],
)
def test_a_bad_product_is_refused_naming_the_field_and_nothing_is_written(
    api: TestClient, db: Database, shop: Scope, body: dict[str, object], status: int, code: str, field: str | None
) -> None:
    before = footprint(db, shop)
    assert_error(api.post("/api/v1/products", json=body), status, code, field)
    assert footprint(db, shop) == before


def test_variant_search_pages_with_limit_and_offset(api: TestClient, db: Database, shop: Scope) -> None:
    for i in range(5):
        f.variant(db, shop, f"SOCK-{i}")
    first = api.get("/api/v1/variants", params={"q": "sock", "limit": 2})
    assert [v["sku"] for v in first.json()] == ["SOCK-0", "SOCK-1"]
    assert 'rel="next"' in first.headers["link"] and "offset=2" in first.headers["link"]
    last = api.get("/api/v1/variants", params={"q": "sock", "limit": 2, "offset": 4})
    assert [v["sku"] for v in last.json()] == ["SOCK-4"] and "link" not in last.headers
    for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "many"}):
        name = next(iter(bad))
        assert_error(api.get("/api/v1/variants", params=bad), 422, "invalid_input", name)


def test_receiving_by_http_moves_the_count_and_the_history_explains_it(api: TestClient, shop: Scope) -> None:
    received = api.post(
        "/api/v1/movements",
        json={"kind": "receive", "sku": "400000000001", "location": "WH1-A", "quantity": 7, "reference": "PO-9"},
    )
    assert received.status_code == 201
    assert received.json()["levels"][0] | {"sku": "-"} == {
        "sku": "-",
        "location": "WH1-A",
        "inventory_type": "good",
        "on_hand": 7,
        "booked": 0,
        "available": 7,
    }
    moved = {"kind": "transfer", "sku": "TEE-M", "location": "WH1-A", "to_location": "WH2", "quantity": 2}
    assert api.post("/api/v1/movements", json=moved).status_code == 201
    rows = api.get("/api/v1/stock", params={"sku": "TEE-M"}).json()
    assert [(r["location"], r["on_hand"], r["booked"], r["available"]) for r in rows] == [
        ("WH1-A", 5, 0, 5),
        ("WH2", 2, 0, 2),
    ]
    assert [r["on_hand"] for r in api.get("/api/v1/stock", params={"location": "WH1"}).json()] == [5]
    history = api.get("/api/v1/stock/TEE-M/history").json()
    assert [(h["kind"], h["location"], h["on_hand_delta"]) for h in history] == [
        ("transfer_in", "WH2", 2),
        ("transfer_out", "WH1-A", -2),
        ("receive", "WH1-A", 7),
    ]
    assert history[-1]["reference"] == "PO-9" and history[-1]["actor"].startswith("user:admin-")
    assert set(history[0]) >= {"kind", "location", "inventory_type", "on_hand_delta", "booked_delta", "actor", "at"}


def test_stock_as_of_a_past_instant_answers_what_it_was_then(api: TestClient, db: Database, shop: Scope) -> None:
    f.receive(db, shop, "TEE-M", 4, "WH1")
    between = datetime.now(UTC)
    f.receive(db, shop, "TEE-M", 6, "WH1")
    then = api.get("/api/v1/stock", params={"sku": "TEE-M", "as_of": between.isoformat()}).json()
    assert [r["on_hand"] for r in then] == [4]
    before_anything = (between - timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert api.get("/api/v1/stock", params={"sku": "TEE-M", "as_of": before_anything}).json() == []
    assert [r["on_hand"] for r in api.get("/api/v1/stock", params={"sku": "TEE-M"}).json()] == [10]


def test_a_replayed_movement_returns_the_first_result_and_a_changed_one_is_a_conflict(
    api: TestClient, db: Database, shop: Scope
) -> None:
    body = {"kind": "receive", "sku": "TEE-M", "location": "WH1", "quantity": 3}
    first = api.post("/api/v1/movements", json=body, headers={"Idempotency-Key": "grn-1"}).json()
    again = api.post("/api/v1/movements", json=body, headers={"Idempotency-Key": "grn-1"}).json()
    assert again["movements"] == first["movements"] and again["replayed"] is True
    before = footprint(db, shop)
    changed = api.post("/api/v1/movements", json=body | {"quantity": 4}, headers={"Idempotency-Key": "grn-1"})
    assert_error(changed, 409, "idempotency_conflict", "idempotency_key")
    assert_error(api.post("/api/v1/movements", json=body, headers={"Idempotency-Key": ""}), 422, "invalid_input")
    assert footprint(db, shop) == before


BAD_MOVEMENTS = [
    ({"kind": "receive", "sku": "TEE-M", "location": "WH1", "quantity": 0}, 422, "invalid_input", "quantity"),
    ({"kind": "receive", "sku": "TEE-M", "location": "WH1", "quantity": -3}, 422, "invalid_input", "quantity"),
    ({"kind": "receive", "sku": "TEE-M", "location": "WH1", "quantity": 10**12 + 1}, 422, "invalid_input", "quantity"),
    ({"kind": "receive", "sku": "TEE-M", "location": "WH1", "quantity": "five"}, 422, "invalid_input", "quantity"),
    ({"kind": "receive", "sku": "TEE-M", "location": "WH1"}, 422, "invalid_input", "quantity"),
    ({"kind": "steal", "sku": "TEE-M", "location": "WH1", "quantity": 1}, 422, "invalid_input", "kind"),
    ({"kind": "receive", "sku": "NOPE", "location": "WH1", "quantity": 1}, 404, "not_found", "sku"),
    ({"kind": "receive", "sku": "TEE-M", "location": "NOPE", "quantity": 1}, 404, "not_found", "location"),
    (
        {"kind": "receive", "sku": "TEE-M", "location": "WH1", "quantity": 1, "inventory_type": "shiny"},
        404,
        "not_found",
        "inventory_type",
    ),
    ({"kind": "adjust", "sku": "TEE-M", "location": "WH1", "quantity": -1}, 422, "invalid_input", "reason"),
    (
        {"kind": "adjust", "sku": "TEE-M", "location": "WH1", "quantity": -9, "reason": "lost"},
        409,
        "insufficient_stock",
        None,
    ),
    ({"kind": "transfer", "sku": "TEE-M", "location": "WH1", "quantity": 1}, 422, "invalid_input", "to_location"),
    (
        {"kind": "transfer", "sku": "TEE-M", "location": "WH1", "to_location": "WH2", "quantity": 6},
        409,
        "insufficient_stock",
        None,
    ),
    (
        {"kind": "receive", "sku": "TEE-M", "location": "WH1", "quantity": 1, "expires_on": "2030-01-01"},
        422,
        "invalid_input",
        "expires_on",
    ),
    (
        {"kind": "receive", "sku": "TEE-M", "location": "WH1", "quantity": 1, "reason": "x" * 2001},
        422,
        "invalid_input",
        "reason",
    ),
]


@pytest.mark.parametrize(("body", "status", "code", "field"), BAD_MOVEMENTS)
def test_a_bad_movement_is_refused_naming_the_field_and_the_ledger_is_unchanged(
    api: TestClient, db: Database, shop: Scope, body: dict[str, object], status: int, code: str, field: str | None
) -> None:
    f.receive(db, shop, "TEE-M", 5, "WH1")
    before = footprint(db, shop)
    assert_error(api.post("/api/v1/movements", json=body), status, code, field)
    assert footprint(db, shop) == before


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/api/v1/stock", {"sku": "NOPE"}, 404, "sku"),
        ("/api/v1/stock", {"location": "NOPE"}, 404, "location"),
        ("/api/v1/stock", {"as_of": "yesterday"}, 422, "as_of"),
        ("/api/v1/stock/NOPE/history", {}, 404, "sku"),
        ("/api/v1/stock/TEE-M/history", {"limit": 100000}, 422, "limit"),
    ],
)
def test_a_bad_stock_question_is_refused_naming_the_field(
    api: TestClient, shop: Scope, path: str, params: dict[str, str], status: int, field: str
) -> None:
    assert_error(api.get(path, params=params), status, "not_found" if status == 404 else "invalid_input", field)


def test_an_unknown_path_and_a_wrong_method_have_the_error_shape(api: TestClient) -> None:
    assert_error(api.get("/api/v1/warehouses"), 404, "not_found")
    assert_error(api.delete("/api/v1/movements"), 405, "method_not_allowed")


def test_one_variant_is_read_by_sku_or_barcode(api: TestClient, shop: Scope) -> None:
    by_barcode = api.get("/api/v1/variants/400000000001")
    assert by_barcode.status_code == 200
    assert by_barcode.json() | {"name": "-"} == {
        "sku": "TEE-M",
        "name": "-",
        "options": {},
        "barcodes": ["400000000001"],
        "tracked": True,
        "discontinued": False,
        "sellable_from": None,
        "bundle": False,
        "for_sale": True,
        "unit_cost": None,
    }
    assert_error(api.get("/api/v1/variants/NOPE"), 404, "not_found", "sku")
