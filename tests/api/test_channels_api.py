"""``/api/v1/channels``: channels, rules, listings and quantities in-process, on both backends."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests import factories as f
from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.services.channels.secrets import open_config
from truecount.services.channels.setup import load_channel
from truecount.services.common.scope import Scope

CHANNELS = "/api/v1/channels"


def stocked(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.location(db, scope, "QC", saleable=False)
    f.variant(db, scope, "BOTTLE")
    f.variant(db, scope, "BOTTLE-10", components=[("BOTTLE", 10)])
    f.receive(db, scope, "BOTTLE", 200, "WH1")
    f.receive(db, scope, "BOTTLE", 50, "QC")


def test_a_channel_its_rule_and_listing_and_what_it_is_offered(db: Database, scope: Scope, api: TestClient) -> None:
    stocked(db, scope)
    created = api.post(CHANNELS, json={"code": "amazon-uk", "kind": "amazon", "locations": ["WH1", "QC"]})
    assert created.status_code == 201, created.text
    assert created.json()["inventory_types"] == ["good"]
    rule = api.put(f"{CHANNELS}/amazon-uk/rules/BOTTLE", json={"kind": "reserve", "quantity": 40})
    assert rule.status_code == 200, rule.text
    assert rule.json()["quantity_offered"] == 160
    listing = api.post(
        f"{CHANNELS}/amazon-uk/listings",
        json={"sku": "BOTTLE-10", "external_ref": {"seller_sku": "BOT-10", "marketplace_id": "A1F83G8C2ARO7P"}},
        headers={"Idempotency-Key": "link-1"},
    )
    assert listing.status_code == 201, listing.text
    assert (listing.json()["external_ref"], listing.json()["quantity"]) == ("BOT-10", 16)
    rows = api.get(f"{CHANNELS}/amazon-uk/quantities").json()
    assert [(r["sku"], r["quantity"], (r["listing"] or {}).get("external_ref")) for r in rows] == [
        ("BOTTLE", 160, None),
        ("BOTTLE-10", 16, "BOT-10"),
    ]
    assert rows[0]["explain"]["pool"]["total"] == 200  # QC is not for sale
    assert rows[1]["explain"]["components"][0]["offered_before_cap"] == 160
    cleared = api.delete(f"{CHANNELS}/amazon-uk/rules/BOTTLE")
    assert cleared.status_code == 204
    one = api.get(f"{CHANNELS}/amazon-uk/quantities", params={"sku": "BOTTLE-10"}).json()
    assert [(r["sku"], r["quantity"]) for r in one] == [("BOTTLE-10", 20)]


def test_refusals_use_the_one_error_shape_and_write_nothing(
    db: Database, scope: Scope, api: TestClient, client_as: Callable[[str], TestClient]
) -> None:
    stocked(db, scope)
    api.post(CHANNELS, json={"code": "web", "kind": "manual", "locations": ["WH1"]})
    assert_error(
        api.post(CHANNELS, json={"code": "web", "kind": "manual", "locations": ["WH1"]}), 409, "already_exists"
    )
    assert_error(api.post(CHANNELS, json={"code": "x", "kind": "fax", "locations": ["WH1"]}), 422, "invalid_input")
    assert_error(api.put(f"{CHANNELS}/web/rules/BOTTLE", json={"kind": "reserve"}), 422, "invalid_input", "quantity")
    assert_error(
        api.put(f"{CHANNELS}/web/rules/BOTTLE", json={"kind": "stop_sell", "quantity": 2}),
        422,
        "invalid_input",
        "quantity",
    )
    assert_error(api.put(f"{CHANNELS}/nope/rules/BOTTLE", json={"kind": "stop_sell"}), 404, "not_found", "channel")
    assert_error(
        client_as("viewer").put(f"{CHANNELS}/web/rules/BOTTLE", json={"kind": "stop_sell"}), 403, "forbidden", "role"
    )
    assert_error(
        api.post(f"{CHANNELS}/web/listings", json={"sku": "NOPE", "external_ref": "x"}), 404, "not_found", "sku"
    )
    rows = api.get(f"{CHANNELS}/web/quantities").json()
    assert [(r["sku"], r["quantity"], r["listing"]) for r in rows] == [("BOTTLE", 200, None), ("BOTTLE-10", 20, None)]


def test_an_admin_connects_a_channel_with_a_merge_patch_and_secrets_are_never_shown(
    db: Database, scope: Scope, api: TestClient, client_as: Callable[[str], TestClient]
) -> None:
    stocked(db, scope)
    api.post(CHANNELS, json={"code": "shop", "kind": "shopify", "locations": ["WH1"], "config": {"location_id": "7"}})
    patch = {"base_url": "http://127.0.0.1:8101", "access_token": "shpat_x", "reconcile_interval_s": 900}
    answer = api.patch(f"{CHANNELS}/shop/config", json={"config": patch})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "channel": "shop",
        "kind": "shopify",
        "connected": True,
        "config": {
            "access_token": "****",
            "base_url": "http://127.0.0.1:8101",
            "location_id": "7",
            "reconcile_interval_s": 900,
        },
    }
    removed = api.patch(f"{CHANNELS}/shop/config", json={"config": {"base_url": None}}).json()
    assert removed["connected"] is False and "base_url" not in removed["config"]
    bad = api.patch(f"{CHANNELS}/shop/config", json={"config": {"base_url": "nope"}})
    assert_error(bad, 422, "invalid_input", "config.base_url")
    assert_error(
        client_as("staff").patch(f"{CHANNELS}/shop/config", json={"config": {"timeout_s": 3}}), 403, "forbidden", "role"
    )
    assert_error(api.patch(f"{CHANNELS}/nope/config", json={"config": {"timeout_s": 3}}), 404, "not_found", "channel")
    with db.read() as conn:
        kept = load_channel(conn, scope.merchant_id, "shop").config
    assert open_config(kept) == {"access_token": "shpat_x", "location_id": "7", "reconcile_interval_s": 900}
    assert kept["access_token"].startswith("enc:v1:")  # encrypted at rest
