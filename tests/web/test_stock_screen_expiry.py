"""The stock screen tells expiry and bundles as channels see them (both backends)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi import FastAPI

from tests import factories as f
from tests import offer_factories as of
from tests.api_factories import signed_in
from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel, OrderLineSpec, PlaceOrder
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.orders.place import place_order


def socks(db: Database, scope: Scope, stock: dict[str, int], bundles: dict[str, list[tuple[str, int]]]) -> None:
    """WH1 with these components received there, and bundles made of them."""
    f.location(db, scope, "WH1")
    for sku, units in stock.items():
        f.variant(db, scope, sku)
        f.receive(db, scope, sku, units, "WH1")
    for sku, parts in bundles.items():
        f.variant(db, scope, sku, components=parts)


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
    socks(db, scope, {"SOCK-A": 50, "SOCK-B": 42}, {"SOCK-2PK": [("SOCK-A", 1), ("SOCK-B", 1)]})
    of.channel(db, scope, "ebay", ["WH1"], kind="ebay")
    client, _ = signed_in(api_app, db, scope, "viewer")
    page = client.get("/", params={"q": "SOCK-2PK"}).text
    row = re.search(r'<tbody class="variant status-(\w+)" data-sku="SOCK-2PK">(.*?)</tbody>', page, re.S)
    assert row is not None
    assert row.group(1) == "ok" and "out of stock" not in row.group(2)
    assert "≤ 42" in row.group(2) and "made from its components" in row.group(2)


def badges(html: str) -> dict[str, str]:
    found = re.findall(r'<tbody class="variant status-(\w+)" data-sku="([^"]+)"', html)
    return {sku: status for status, sku in found}


def test_the_filters_judge_the_available_figure_the_rows_show_expired_left_out(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.location(db, scope, "QC", saleable=False)
    today = date.today()
    past, soon, later = today - timedelta(days=3), today + timedelta(days=9), today + timedelta(days=400)
    for sku in ("MOSTLY-OLD", "ALL-OLD", "FRESH", "SOON", "OLD-IN-QC"):
        f.variant(db, scope, sku)
    f.receive(db, scope, "MOSTLY-OLD", 60, "WH1-A", lot="A1", expires_on=past)  # in a bin: rolled into WH1
    f.receive(db, scope, "MOSTLY-OLD", 3, "WH1", lot="A2", expires_on=later)
    f.receive(db, scope, "ALL-OLD", 10, "WH1", lot="B1", expires_on=past)
    f.receive(db, scope, "FRESH", 10, "WH1")
    f.receive(db, scope, "SOON", 4, "WH1", lot="D1", expires_on=soon)
    f.receive(db, scope, "OLD-IN-QC", 5, "QC", lot="E1", expires_on=past)  # not for sale anyway
    f.receive(db, scope, "OLD-IN-QC", 20, "WH1")
    of.channel(db, scope, "web", ["WH1"])
    client, _ = signed_in(api_app, db, scope, "viewer")
    everything = client.get("/").text
    assert badges(everything) == {
        "ALL-OLD": "out", "FRESH": "ok", "MOSTLY-OLD": "low", "OLD-IN-QC": "ok", "SOON": "low"
    }  # fmt: skip
    assert re.search(r'data-sku="MOSTLY-OLD">.*?<td class="n available">3</td>.*?web: <b>3</b>', everything, re.S)
    all_old = r'data-sku="ALL-OLD">.*?<td class="n available">0</td>.*?10 expired.*?web: <b>0</b>'
    assert re.search(all_old, everything, re.S)
    low = client.get("/", params={"show": "low"}).text
    assert set(badges(low).values()) == {"low"} and sorted(badges(low)) == ["MOSTLY-OLD", "SOON"]
    out = client.get("/", params={"show": "out"}).text
    assert badges(out) == {"ALL-OLD": "out"}
    assert sorted(badges(client.get("/", params={"show": "low", "low_below": 10}).text)) == [
        "FRESH", "MOSTLY-OLD", "SOON"
    ]  # fmt: skip
    expiring = client.get("/", params={"show": "expiring"}).text
    assert sorted(badges(expiring)) == ["ALL-OLD", "MOSTLY-OLD", "OLD-IN-QC", "SOON"]
    assert sorted(badges(client.get("/", params={"show": "out", "q": "OLD"}).text)) == ["ALL-OLD"]


def test_a_bundle_made_from_its_components_is_out_of_stock_only_when_no_channel_is_offered_one(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    bundles = {"SOCK-2PK": [("SOCK-A", 1), ("SOCK-B", 1)], "SOCK-3PK": [("SOCK-A", 3)]}
    socks(db, scope, {"SOCK-A": 4, "SOCK-B": 42}, bundles)
    of.channel(db, scope, "ebay", ["WH1"], kind="ebay")
    client, _ = signed_in(api_app, db, scope, "viewer")
    assert badges(client.get("/", params={"q": "PK"}).text) == {"SOCK-2PK": "low", "SOCK-3PK": "low"}
    assert sorted(badges(client.get("/", params={"show": "low", "q": "PK"}).text)) == ["SOCK-2PK", "SOCK-3PK"]
    assert badges(client.get("/", params={"show": "out", "q": "PK"}).text) == {}
    f.receive(db, scope, "SOCK-A", 40, "WH1")
    assert badges(client.get("/", params={"show": "low", "q": "PK"}).text) == {}
    assert badges(client.get("/", params={"q": "SOCK-3PK"}).text) == {"SOCK-3PK": "ok"}  # 44 // 3 = 14


def test_an_oversold_bundle_is_named_as_sold_with_the_components_that_ran_short(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    stock = {"SOCK-A": 1, "SOCK-B": 2, "SOCK-C": 9}
    socks(db, scope, stock, {"SOCK-3PK": [(sku, 1) for sku in stock]})
    create_channel(db, scope, CreateChannel(code="ebay", kind="manual", locations=["WH1"]))
    place_order(db, scope, PlaceOrder("ebay", "E-1", [OrderLineSpec("SOCK-3PK", 3)]))
    client, _ = signed_in(api_app, db, scope, "viewer")
    incidents = client.get("/incidents").text
    rows = re.findall(r"<tr data-incident=.*?</tr>", incidents, re.S)
    assert len(rows) == 1  # one order line sold: one entry, its components short together
    sold = re.search(r'<td class="sold">(.*?)</td>\s*<td class="short">(.*?)</td>', rows[0], re.S)
    assert sold is not None
    assert ">SOCK-3PK</a> × 3" in sold.group(1) and "bundle" in sold.group(1)
    assert re.sub(r"<[^>]+>", "", sold.group(2)) == "SOCK-A: 2 short, SOCK-B: 1 short"
    api = client.get("/api/v1/incidents").json()
    assert sorted((i["sold_sku"], i["sku"], i["quantity"], i["line"]) for i in api) == [
        ("SOCK-3PK", "SOCK-A", 2, 1),
        ("SOCK-3PK", "SOCK-B", 1, 1),
    ]
    screen = client.get("/", params={"q": "SOCK-A"}).text
    assert "2 backordered · sold as SOCK-3PK" in screen
    order_id = api[0]["order_id"]
    order = client.get(f"/orders/{order_id}").text
    assert re.search(r"line 1: SOCK-3PK</td><td>SOCK-A <small>\(component\)</small></td><td[^>]*>2<", order)
