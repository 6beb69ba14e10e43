"""The page frame (favicon, navigation) and the scan page's starting place and quantities."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests import factories as f
from tests.api_factories import signed_in
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock


def selected_location(client: TestClient) -> str | None:
    page = client.get("/scan").text
    select = page[page.index('id="location"') : page.index("</select>", page.index('id="location"'))]
    found = re.search(r'<option value="([^"]+)" selected>', select)
    return found.group(1) if found else None


def test_the_favicon_is_served_without_signing_in(api_app: FastAPI) -> None:
    response = TestClient(api_app).get("/favicon.ico")
    assert response.status_code == 200 and response.headers["content-type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_scan_page_starts_on_the_users_usual_saleable_location_never_the_drop_shipper(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "DROP", kind="dropship", priority=1)
    f.location(db, scope, "QC", saleable=False, priority=2)
    f.location(db, scope, "WH1", priority=10)
    f.location(db, scope, "SHOP", kind="store", priority=20)
    f.variant(db, scope, "TEE-M")
    client, csrf = signed_in(api_app, db, scope, "staff")
    assert selected_location(client) == "WH1"  # first saleable, non-drop-ship place in priority order
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    for _ in range(2):
        body = {"mode": "receive", "code": "TEE-M", "location": "SHOP", "quantity": 3}
        assert client.post("/scan/record", json=body, headers=headers).status_code == 200
    assert selected_location(client) == "SHOP"  # where this user works
    other, _ = signed_in(api_app, db, scope, "staff")
    assert selected_location(other) == "WH1"  # another user's usual place is their own


def test_a_scan_takes_a_quantity_and_its_undo_reverses_the_same_quantity(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE-M", barcodes=["400000000001"])
    client, csrf = signed_in(api_app, db, scope, "staff")
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    body = {"mode": "receive", "code": "400000000001", "location": "WH1", "quantity": 12}
    received = client.post("/scan/record", json=body, headers=headers).json()
    assert received["sku"] == "TEE-M" and received["levels"][0]["on_hand"] == 12
    picked = client.post("/scan/record", json={**body, "mode": "pick", "quantity": 5}, headers=headers).json()
    assert picked["levels"][0]["on_hand"] == 7
    undone = client.post("/scan/undo", json={**body, "mode": "pick", "quantity": 5}, headers=headers).json()
    assert undone["levels"][0]["on_hand"] == 12
    zero = client.post("/scan/record", json={**body, "quantity": 0}, headers=headers)
    assert zero.status_code == 422 and "quantity" in zero.text
    assert [r.on_hand for r in stock.stock(db, scope, "TEE-M")] == [12]
