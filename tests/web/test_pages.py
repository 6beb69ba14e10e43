"""The pages over real storage: the stock screen and its filters, the variant page, the scan page, labels."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests import factories as f
from tests.api_factories import assert_error, signed_in
from truecount.adapters.db.engine import Database
from truecount.domain.assembly import Complete, CreateWorkOrder, Part, SetBill
from truecount.domain.commands import CreateChannel, EditVariant, OrderLineSpec, PlaceOrder
from truecount.services.assembly import bills, completion, work_orders
from truecount.services.catalog import products
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.orders.place import place_order
from truecount.services.stock import levels as stock


def shown_skus(html: str) -> list[str]:
    return re.findall(r'<tbody class="variant[^"]*" data-sku="([^"]+)"', html)


def oversell(db: Database, scope: Scope, sku: str, at: str, quantity: int) -> None:
    """A channel order for more than there is: booked as far as stock goes, the rest backordered."""
    channel = f"ch-{sku.lower()}"
    create_channel(db, scope, CreateChannel(code=channel, kind="manual", locations=[at]))
    place_order(db, scope, PlaceOrder(channel, f"order-{sku}", [OrderLineSpec(sku, quantity)]))


def test_the_stock_screen_rolls_bins_up_and_marks_places_not_for_sale(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1", name="Main")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.location(db, scope, "QC", saleable=False)
    f.variant(db, scope, "TEE-M", name="Blue tee", barcodes=["400000000001"])
    f.receive(db, scope, "TEE-M", 4, "WH1-A")
    f.receive(db, scope, "TEE-M", 3, "WH1")
    f.receive(db, scope, "TEE-M", 2, "QC")
    client, _ = signed_in(api_app, db, scope, "viewer")
    page = client.get("/", params={"q": "400000000001"})
    assert page.status_code == 200 and shown_skus(page.text) == ["TEE-M"]
    places = re.findall(r'<tr class="place( not-saleable)?" data-location="([^"]+)">', page.text)
    assert places == [(" not-saleable", "QC"), ("", "WH1")]
    assert '<td class="n on-hand">9</td>' in page.text and '<td class="n available">7</td>' in page.text


def test_the_stock_screen_filters_low_out_of_stock_and_oversold(api_app: FastAPI, db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    for sku in ("PLENTY", "FEW", "NONE", "OVER"):
        f.variant(db, scope, sku)
    f.receive(db, scope, "PLENTY", 50, "WH1")
    f.receive(db, scope, "FEW", 2, "WH1")
    f.receive(db, scope, "OVER", 3, "WH1")
    oversell(db, scope, "OVER", "WH1", 5)  # 3 booked, 2 owed: an oversell
    client, _ = signed_in(api_app, db, scope, "viewer")
    assert shown_skus(client.get("/").text) == ["FEW", "NONE", "OVER", "PLENTY"]
    assert shown_skus(client.get("/", params={"show": "low"}).text) == ["FEW"]
    assert shown_skus(client.get("/", params={"show": "out"}).text) == ["NONE", "OVER"]
    oversold = client.get("/", params={"show": "oversold"}).text
    assert shown_skus(oversold) == ["OVER"] and "2 backordered" in oversold
    assert shown_skus(client.get("/", params={"show": "low", "low_below": 60}).text) == ["FEW", "PLENTY"]
    assert client.get("/", params={"show": "nonsense"}).status_code == 422


def test_the_variant_page_explains_the_count_with_history_a_chart_and_the_past(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE-M", barcodes=["400000000001"])
    f.receive(db, scope, "TEE-M", 5, "WH1", reference="PO-77")
    f.move(db, scope, "adjust", "TEE-M", "WH1", -1, reason="water damage")
    client, _ = signed_in(api_app, db, scope, "viewer")
    page = client.get("/variants/400000000001")
    assert page.status_code == 200
    assert "PO-77" in page.text and "water damage" in page.text and "user:" not in page.text
    assert '<svg class="chart"' in page.text
    past = client.get("/variants/TEE-M", params={"as_of": "2000-01-01T00:00"})
    assert "Nothing was here then." in past.text
    missing = client.get("/variants/NOPE")
    assert missing.status_code == 404 and "no variant with SKU or barcode" in missing.text


def test_scans_receive_pick_move_and_undo_by_correcting_movements(api_app: FastAPI, db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH2")
    f.variant(db, scope, "TEE-M", barcodes=["400000000001"])
    client, csrf = signed_in(api_app, db, scope, "staff")
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}

    def scan(path: str, **body: object) -> dict[str, object]:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    for _ in range(3):
        scan("/scan/record", mode="receive", code="400000000001", location="WH1")
    scan("/scan/record", mode="pick", code="400000000001", location="WH1")
    scan("/scan/record", mode="move", code="TEE-M", location="WH1", to_location="WH2")
    scan("/scan/undo", mode="move", code="TEE-M", location="WH1", to_location="WH2")
    scan("/scan/undo", mode="receive", code="TEE-M", location="WH1")
    assert [(r.location, r.on_hand) for r in stock.stock(db, scope, "TEE-M")] == [("WH1", 1)]
    kinds = [(h.kind, h.on_hand_delta, h.reason) for h in stock.history(db, scope, "TEE-M")][:3]
    assert kinds == [
        ("adjust", -1, "undo of scan"),
        ("transfer_in", 1, "undo of scan"),
        ("transfer_out", -1, "undo of scan"),
    ]
    assert scan("/scan/record", mode="count", code="TEE-M", location="WH1")["on_hand"] == 1
    counted = scan("/scan/count", location="WH1", counts={"TEE-M": 4})
    assert counted["counted"][0]["levels"][0]["on_hand"] == 4


def test_a_refused_scan_says_why_and_writes_nothing(api_app: FastAPI, db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE-M")
    staff, csrf = signed_in(api_app, db, scope, "staff")
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    unknown = staff.post("/scan/record", json={"mode": "receive", "code": "999", "location": "WH1"}, headers=headers)
    assert_error(unknown, 404, "not_found", field="code")
    empty_shelf = staff.post("/scan/record", json={"mode": "pick", "code": "TEE-M", "location": "WH1"}, headers=headers)
    assert_error(empty_shelf, 409, "insufficient_stock")
    viewer, viewer_csrf = signed_in(api_app, db, scope, "viewer")
    as_viewer = viewer.post(
        "/scan/record",
        json={"mode": "receive", "code": "TEE-M", "location": "WH1"},
        headers={"X-CSRF-Token": viewer_csrf, "Accept": "application/json"},
    )
    assert_error(as_viewer, 403, "forbidden")
    assert stock.history(db, scope, "TEE-M") == []


def test_labels_are_code_128_svgs_for_variants_and_locations(api_app: FastAPI, db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1", name="Main")
    f.variant(db, scope, "TEE-M", barcodes=["400000000001"])
    client, _ = signed_in(api_app, db, scope, "viewer")
    svg = client.get("/labels/variants/TEE-M.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert 'aria-label="400000000001"' in svg.text and svg.text.count("<rect") > 20
    assert 'aria-label="WH1"' in client.get("/labels/locations/WH1.svg").text
    sheet = client.get("/labels", params={"what": "variants", "q": "TEE", "copies": 3})
    assert sheet.text.count('aria-label="400000000001"') == 3
    assert client.get("/labels/locations/NOPE.svg").status_code == 404


def test_the_channels_page_shows_each_channels_sync_status(api_app: FastAPI, db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    create_channel(db, scope, CreateChannel(code="shop", kind="shopify", locations=["WH1"]))
    client, _ = signed_in(api_app, db, scope, "viewer")
    page = client.get("/channels")
    assert page.status_code == 200
    row = re.search(r'<tr data-channel="shop".*?</tr>', page.text, re.S)
    assert row is not None and "shopify" in row.group(0) and "never" in row.group(0)
    assert "not connected" in row.group(0) and "in step" not in row.group(0)
    assert '<a href="/channels"' in page.text


def test_the_trackers_page_lists_stock_health_lowest_first(api_app: FastAPI, db: Database, scope: Scope) -> None:
    from truecount.domain.commands import SetTracker
    from truecount.services.trackers.watch import set_tracker

    f.location(db, scope, "WH1")
    f.variant(db, scope, "LOW")
    f.variant(db, scope, "FINE")
    f.receive(db, scope, "LOW", 2, "WH1")
    f.receive(db, scope, "FINE", 20, "WH1")
    for sku in ("FINE", "LOW"):
        set_tracker(db, scope, SetTracker(sku, "good", "stock_quantity", {"below": 5}))
    client, _ = signed_in(api_app, db, scope, "viewer")
    page = client.get("/trackers")
    assert re.findall(r'<tr data-sku="([^"]+)"', page.text) == ["LOW", "FINE"]
    assert "40.0%" in page.text and '<a href="/trackers"' in page.text


def test_the_orders_and_incidents_pages_show_bookings_backorders_and_oversells(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 3, "WH1")
    oversell(db, scope, "TEE", "WH1", 5)
    client, _ = signed_in(api_app, db, scope, "viewer")
    orders = client.get("/orders")
    assert orders.status_code == 200
    order = re.search(r'<tr data-order="(\d+)".*?</tr>', orders.text, re.S)
    assert order is not None and "order-TEE" in order.group(0) and '<td class="n negative">yes' in order.group(0)
    page = client.get(f"/orders/{order.group(1)}").text
    assert "WH1: <b>3</b>" in page and '<td class="n backordered negative">2' in page
    assert "No orders match." in client.get("/orders", params={"status": "fulfilled"}).text
    incidents = client.get("/incidents")
    row = re.search(r'<tr data-incident="\d+" .*?</tr>', incidents.text, re.S)
    assert row is not None and ">TEE</a> × 5" in row.group(0) and "2 short" in row.group(0)
    assert "bundle" not in row.group(0)
    assert '<a href="/orders"' in incidents.text and '<a href="/incidents"' in incidents.text


def test_the_variant_page_of_a_kit_shows_its_bill_and_work_orders_and_a_raw_material_says_so(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    for sku in ("BOX", "KIT"):
        f.variant(db, scope, sku)
    bills.set_bill(db, scope, SetBill("KIT", [Part("BOX", 2)], "ahead"))
    products.edit_variant(db, scope, EditVariant("BOX", for_sale=False))
    f.receive(db, scope, "BOX", 4, "WH1")
    wo = work_orders.create_work_order(db, scope, CreateWorkOrder("KIT", 2, "WH1")).id
    work_orders.release_work_order(db, scope, wo)
    client, _ = signed_in(api_app, db, scope, "viewer")
    kit = client.get("/variants/KIT")
    assert kit.status_code == 200
    assert "kit: built ahead" in kit.text
    assert re.search(r'<td><a href="/variants/BOX">BOX</a></td><td class="n">2</td>', kit.text)
    assert re.search(rf'<td><a href="/work-orders/{wo}">{wo}</a></td><td>WH1</td><td>released</td>', kit.text)
    completion.complete_work_order(db, scope, Complete(wo, 1, 1, "dropped"))
    built = client.get("/variants/KIT").text  # the history says what each work-order movement was
    assert re.search(
        rf'produce <small>\(kits built\)</small>.*<a href="/work-orders/{wo}">work order {wo}</a>', built, re.S
    )
    box = client.get("/variants/BOX")
    assert "not for sale (a raw material)" in box.text and 'id="bill"' not in box.text
    assert "consume <small>(built into kits)</small>" in box.text and "consume <small>(scrapped)</small>" in box.text
