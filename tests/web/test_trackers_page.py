"""The trackers page over real storage: list lowest first, the form's refusals, merchant access, the alert panel."""

from __future__ import annotations

import re
import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests import factories as f
from tests import tracker_factories as t
from tests.api_factories import merchant_code, signed_in
from truecount.adapters.db.engine import Database
from truecount.services.accounts import merchant_access
from truecount.services.catalog.records import ensure_merchant
from truecount.services.common.scope import Scope
from truecount.services.trackers.watch import list_trackers


def stocked(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE", name="Blue tee")
    f.variant(db, scope, "MUG", name="Mug")
    f.receive(db, scope, "TEE", 2, "WH1")
    f.receive(db, scope, "MUG", 30, "WH1")


def signed_in_name(client: TestClient) -> str:
    """The name of the user the client is signed in as (shown in the page header)."""
    found = re.search(r"<span>([^ <]+) <small>", client.get("/trackers").text)
    assert found is not None
    return found.group(1)


def other_merchant(db: Database) -> Scope:
    with db.write() as conn:
        return Scope(ensure_merchant(conn, f"client-{uuid.uuid4().hex[:8]}", "Client shop"), "test")


def test_the_page_lists_trackers_lowest_health_first_with_alerts_marked(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    stocked(db, scope)
    t.tracker(db, scope, "MUG", "stock_quantity", below=10)  # 300%
    t.tracker(db, scope, "TEE", "stock_quantity", below=10)  # 20%
    client, _ = signed_in(api_app, db, scope, "viewer")
    page = client.get("/trackers")
    assert page.status_code == 200
    assert re.findall(r'<tr data-sku="([^"]+)" class="(alert|healthy)"', page.text) == [
        ("TEE", "alert"),
        ("MUG", "healthy"),
    ]
    assert "1 of 2 trackers below 100%" in page.text
    assert "updates the existing tracker" in page.text


def test_saving_through_the_form_creates_then_updates_and_refusals_keep_the_form(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    stocked(db, scope)
    client, csrf = signed_in(api_app, db, scope, "staff")
    form = {"csrf_token": csrf, "merchant": "", "sku": "TEE", "inventory_type": "good", "mechanism": "stock_quantity"}
    saved = client.post("/trackers", data=form | {"below": "4", "action": "save_add"})
    assert saved.status_code == 303 and "add=1" in saved.headers["location"]
    again = client.post("/trackers", data=form | {"below": "1", "action": "save"})
    assert again.status_code == 303 and "updated" in client.get(again.headers["location"]).text
    assert [r.params for r in list_trackers(db, scope)] == [{"below": 1}]
    refused = client.post("/trackers", data=form | {"below": "0"})
    assert refused.status_code == 422
    assert "params.below: must be positive" in refused.text
    assert 'id="tracker-form"' in refused.text and "hidden>" not in refused.text.split('id="tracker-form"')[1][:200]
    foreign = client.post("/trackers", data=form | {"mechanism": "stalled_days", "below": "3"})
    assert foreign.status_code == 422 and "params.below: belongs to stock_quantity" in foreign.text
    no_product = client.post("/trackers", data=form | {"sku": "", "below": "3"})
    assert no_product.status_code == 422 and "choose a product" in no_product.text
    assert [r.params for r in list_trackers(db, scope)] == [{"below": 1}]


def test_a_viewer_cannot_save_a_tracker(api_app: FastAPI, db: Database, scope: Scope) -> None:
    stocked(db, scope)
    client, csrf = signed_in(api_app, db, scope, "viewer")
    form = {"csrf_token": csrf, "sku": "TEE", "inventory_type": "good", "mechanism": "stock_quantity", "below": "3"}
    assert client.post("/trackers", data=form).status_code == 403
    assert list_trackers(db, scope) == []


def test_the_merchant_picker_offers_only_merchants_the_user_may_act_for(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    stocked(db, scope)
    client_shop = other_merchant(db)
    stranger = other_merchant(db)
    f.location(db, client_shop, "WH1")
    f.variant(db, client_shop, "CANDLE", name="Candle")
    client, csrf = signed_in(api_app, db, scope, "staff")
    merchant_access.grant(db, client_shop, merchant_code(db, scope), signed_in_name(client))
    page = client.get("/trackers").text
    assert merchant_code(db, client_shop) in page and merchant_code(db, stranger) not in page
    found = client.get("/trackers/options", params={"merchant": merchant_code(db, client_shop), "q": "cand"}).json()
    assert found == {"variants": [{"sku": "CANDLE", "name": "Candle"}], "types": ["damaged", "good"]}
    assert client.get("/trackers/options", params={"merchant": merchant_code(db, stranger)}).status_code == 403
    form = {"csrf_token": csrf, "merchant": merchant_code(db, client_shop), "sku": "CANDLE"}
    saved = client.post(
        "/trackers", data=form | {"inventory_type": "good", "mechanism": "stock_quantity", "below": "2"}
    )
    assert saved.status_code == 303
    assert [r.sku for r in list_trackers(db, client_shop)] == ["CANDLE"]
    assert list_trackers(db, scope) == []


def test_the_stock_screen_shows_how_many_trackers_are_alerting(api_app: FastAPI, db: Database, scope: Scope) -> None:
    stocked(db, scope)
    client, _ = signed_in(api_app, db, scope, "viewer")
    assert 'id="tracker-alerts"' not in client.get("/").text
    t.tracker(db, scope, "TEE", "stock_quantity", below=10)
    assert "1 stock health tracker below 100%" in client.get("/").text


def test_edit_opens_the_form_filled_and_delete_stops_watching(api_app: FastAPI, db: Database, scope: Scope) -> None:
    stocked(db, scope)
    t.tracker(db, scope, "TEE", "turnover_days", lookback_days=30, coverage_days=14)
    client, csrf = signed_in(api_app, db, scope, "staff")
    code = merchant_code(db, scope)
    page = client.get(
        "/trackers", params={"merchant": code, "edit": "TEE", "edit_type": "good", "edit_mechanism": "turnover_days"}
    )
    form = page.text.split('id="tracker-form"')[1]
    assert 'name="sku" id="sku" value="TEE"' in form
    assert 'name="lookback_days" id="lookback_days" value="30"' in form
    assert 'name="coverage_days" id="coverage_days" value="14"' in form
    assert '<option value="turnover_days" selected>' in form
    fields = {
        "csrf_token": csrf,
        "merchant": code,
        "sku": "TEE",
        "inventory_type": "good",
        "mechanism": "turnover_days",
    }
    gone = client.post("/trackers/delete", data=fields)
    assert gone.status_code == 303 and "deleted" in client.get(gone.headers["location"]).text
    assert list_trackers(db, scope) == []
    assert client.post("/trackers/delete", data=fields).status_code == 404


def test_viewers_see_no_edit_or_delete(api_app: FastAPI, db: Database, scope: Scope) -> None:
    stocked(db, scope)
    t.tracker(db, scope, "TEE", "stock_quantity", below=1)
    client, csrf = signed_in(api_app, db, scope, "viewer")
    assert "/trackers/delete" not in client.get("/trackers").text
    fields = {"csrf_token": csrf, "sku": "TEE", "inventory_type": "good", "mechanism": "stock_quantity"}
    assert client.post("/trackers/delete", data=fields).status_code == 403
    assert len(list_trackers(db, scope)) == 1


def test_the_product_search_puts_the_sku_that_starts_with_what_was_typed_first(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    for sku, name in (("RAIN-SUN-L", "Rain jacket"), ("SUN-50-100ML", "Sun cream"), ("ASUNDER", "Sunhat")):
        f.variant(db, scope, sku, name=name)
    client, _ = signed_in(api_app, db, scope, "staff")
    found = client.get("/trackers/options", params={"merchant": merchant_code(db, scope), "q": "SUN"}).json()
    assert [v["sku"] for v in found["variants"]] == ["SUN-50-100ML", "RAIN-SUN-L", "ASUNDER"]
