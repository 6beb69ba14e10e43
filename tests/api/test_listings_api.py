"""``/api/v1/channels/{code}/listings``: several listings of one variant, each with its units per sale and
quantity steps, listed, read and changed one at a time; refusals name the field and write nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories as f
from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope

LISTINGS = "/api/v1/channels/woo/listings"


def stocked(db: Database, scope: Scope, api: TestClient) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 40, "WH1")
    created = api.post("/api/v1/channels", json={"code": "woo", "kind": "woocommerce", "locations": ["WH1"]})
    assert created.status_code == 201, created.text


def test_two_listings_of_a_variant_each_with_its_steps_and_units_explained(
    db: Database, scope: Scope, api: TestClient
) -> None:
    stocked(db, scope, api)
    single = api.post(LISTINGS, json={"sku": "TEE", "external_ref": "10/11"})
    assert single.status_code == 201, single.text
    pack = api.post(LISTINGS, json={"sku": "TEE", "external_ref": "12", "units_per_sale": 6})
    assert pack.status_code == 201, pack.text
    assert (pack.json()["quantity"], pack.json()["units_per_sale"]) == (6, 6)
    changed = api.patch(f"{LISTINGS}/10/11", json={"steps": ["reserve=5", {"op": "cap", "value": 30}]})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["quantity"], body["steps"]) == (30, ["reserve=5", "cap=30"])
    assert [(s["input"], s["quantity"]) for s in body["explain"]["steps"][1:]] == [(40, 35), (35, 30)]
    rows = api.get(LISTINGS).json()
    assert [(r["external_ref"], r["sku"], r["units_per_sale"], r["quantity"]) for r in rows] == [
        ("10/11", "TEE", 1, 30),
        ("12", "TEE", 6, 6),
    ]
    one = api.get(f"{LISTINGS}/12").json()
    assert one["explain"]["units_per_sale"] == 6 and one["steps"] is None
    assert api.patch(f"{LISTINGS}/12", json={"units_per_sale": 4}).json()["quantity"] == 10
    back = api.patch(f"{LISTINGS}/10/11", json={"steps": None})
    assert (back.json()["steps"], back.json()["quantity"]) == (None, 40)


def test_refusals_name_the_field_and_write_nothing(db: Database, scope: Scope, api: TestClient) -> None:
    stocked(db, scope, api)
    api.post(LISTINGS, json={"sku": "TEE", "external_ref": "10"})
    assert_error(
        api.patch(f"{LISTINGS}/10", json={"steps": ["cap=5", "percent=200"]}), 422, "invalid_input", "steps[1].value"
    )
    assert_error(api.patch(f"{LISTINGS}/10", json={"steps": ["base=NOWHERE"]}), 404, "not_found", "steps[0].location")
    assert_error(api.patch(f"{LISTINGS}/10", json={"units_per_sale": 0}), 422, "invalid_input", "units_per_sale")
    assert_error(api.patch(f"{LISTINGS}/99", json={"units_per_sale": 2}), 404, "not_found", "ref")
    assert_error(api.post(LISTINGS, json={"sku": "TEE", "external_ref": "10"}), 409, "already_exists", "external_ref")
    assert [(r["external_ref"], r["steps"], r["units_per_sale"], r["quantity"]) for r in api.get(LISTINGS).json()] == [
        ("10", None, 1, 40)
    ]


def test_a_listing_price_by_rule_set_explained_and_cleared(db: Database, scope: Scope, api: TestClient) -> None:
    stocked(db, scope, api)
    api.post(LISTINGS, json={"sku": "TEE", "external_ref": "10"})
    rule = {"fixed": "19.99", "tiers": [{"below": 50, "percent": 10}], "floor": "20.00"}
    changed = api.patch(f"{LISTINGS}/10", json={"price": rule})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["price"], body["price_rule"]) == ("21.99", "fixed=19.99 tier=50:+10% floor=20.00")
    assert body["explain"]["price"]["steps"][1]["step"] == "fewer than 50 offered (40): +10%"
    assert_error(
        api.patch(f"{LISTINGS}/10", json={"price": {"fixed": "5", "cost_plus_percent": 10}}),
        422,
        "invalid_input",
        "price",
    )
    assert api.get(f"{LISTINGS}/10").json()["price"] == "21.99"
    cleared = api.patch(f"{LISTINGS}/10", json={"price": None}).json()
    assert (cleared["price"], cleared["price_rule"]) == (None, None)
