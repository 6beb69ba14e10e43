"""The stock screen tells expiry and bundles as channels see them (both backends)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi import FastAPI

from tests import factories as f
from tests import offer_factories as of
from tests.api_factories import signed_in
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope


def test_expired_stock_is_shown_and_left_out_of_available_and_soon_to_expire_is_flagged(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "SUN", name="Sunscreen")
    today = date.today()
    f.receive(db, scope, "SUN", 60, "WH1", lot="OLD", expires_on=today - timedelta(days=10))
    f.receive(db, scope, "SUN", 80, "WH1", lot="SOON", expires_on=today + timedelta(days=12))
    f.receive(db, scope, "SUN", 20, "WH1", lot="NEW", expires_on=today + timedelta(days=300))
    of.channel(db, scope, "web", ["WH1"])
    client, _ = signed_in(api_app, db, scope, "viewer")
    page = client.get("/", params={"q": "SUN"}).text
    assert '<td class="n on-hand">160</td>' in page
    assert '<td class="n available">100</td>' in page  # 160 on hand less 60 expired: what channels get
    assert "60 expired" in page
    assert f"80 expire by {(today + timedelta(days=12)).isoformat()}" in page
    assert re.search(r"web: <b>100</b>", page)


def test_a_bundle_made_from_its_components_shows_what_it_can_offer_not_out_of_stock(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "SOCK-A")
    f.variant(db, scope, "SOCK-B")
    f.variant(db, scope, "SOCK-2PK", components=[("SOCK-A", 1), ("SOCK-B", 1)])
    f.receive(db, scope, "SOCK-A", 50, "WH1")
    f.receive(db, scope, "SOCK-B", 42, "WH1")
    of.channel(db, scope, "ebay", ["WH1"], kind="ebay")
    client, _ = signed_in(api_app, db, scope, "viewer")
    page = client.get("/", params={"q": "SOCK-2PK"}).text
    row = re.search(r'<tbody class="variant status-(\w+)" data-sku="SOCK-2PK">(.*?)</tbody>', page, re.S)
    assert row is not None
    assert row.group(1) == "ok" and "out of stock" not in row.group(2)
    assert "≤ 42" in row.group(2) and "made from its components" in row.group(2)
