"""The set-up pages over real storage (both backends): products and variants, locations and types,
channels (locations in order, types, strategy, policy), connection, listings and rules in bulk."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests import factories as f
from tests.api_factories import signed_in
from truecount.adapters.db.engine import Database
from truecount.services.catalog import browse, products
from truecount.services.catalog.records import InventoryTypeRow
from truecount.services.channels.secrets import open_config
from truecount.services.channels.views import channel_view
from truecount.services.common.scope import Scope
from truecount.services.offers import recompute as offers
from truecount.services.offers.rules import rules_of


def test_an_admin_adds_a_product_with_two_variants_and_then_a_third(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    client, csrf = signed_in(api_app, db, scope, "admin")
    more = client.post(
        "/setup/products",
        data={"csrf_token": csrf, "name": "Classic tee", "sku": ["TEE-S", ""], "options": ["size=S", ""],
              "barcodes": ["", ""], "components": ["", ""], "action": "more"},
    )  # fmt: skip
    assert more.status_code == 200 and more.text.count('class="variant-row"') == 3
    assert 'value="TEE-S"' in more.text  # what was typed is kept
    saved = client.post(
        "/setup/products",
        data={"csrf_token": csrf, "name": "Classic tee", "sku": ["TEE-S", "TEE-M", ""],
              "options": ["size=S", "size=M; colour=black", ""], "barcodes": ["5012345678900", "", ""],
              "components": ["", "", ""]},
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    page = client.get(saved.headers["location"])
    assert "Classic tee added with 2 variant(s)" in page.text
    view = products.show_product(db, scope, "TEE-S")
    assert [(v.sku, v.options, v.barcodes) for v in view.variants] == [
        ("TEE-S", {"size": "S"}, ["5012345678900"]),
        ("TEE-M", {"colour": "black", "size": "M"}, []),
    ]
    added = client.post(
        f"/setup/products/{view.id}/variants",
        data={"csrf_token": csrf, "sku": "TEE-L", "options": "size=L", "barcodes": "", "components": ""},
    )
    assert added.status_code == 303
    assert [v.sku for v in products.show_product(db, scope, "TEE-S").variants] == ["TEE-S", "TEE-M", "TEE-L"]


def test_a_refused_product_names_the_field_keeps_what_was_typed_and_writes_nothing(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.variant(db, scope, "TAKEN")
    client, csrf = signed_in(api_app, db, scope, "admin")
    refused = client.post(
        "/setup/products",
        data={"csrf_token": csrf, "name": "Mug", "sku": ["MUG", "TAKEN"], "options": ["", ""],
              "barcodes": ["", ""], "components": ["", ""]},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "variants[1].sku" in refused.text and "already exists" in refused.text
    assert 'value="Mug"' in refused.text
    assert [p.skus for p in products.list_products(db, scope)] == [["TAKEN"]]  # no Mug, no MUG


def test_staff_see_the_products_but_cannot_change_them(api_app: FastAPI, db: Database, scope: Scope) -> None:
    f.variant(db, scope, "MUG", name="Mug")
    client, csrf = signed_in(api_app, db, scope, "staff")
    page = client.get("/setup/products")
    assert page.status_code == 200 and "Mug" in page.text and 'id="new-product"' not in page.text
    refused = client.post("/setup/products", data={"csrf_token": csrf, "name": "X", "sku": ["X"]})
    assert refused.status_code == 403


def test_a_variants_flags_and_barcodes_change_from_its_product_page(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.variant(db, scope, "MUG", name="Mug", barcodes=["111"])
    number = products.show_product(db, scope, "MUG").id
    client, csrf = signed_in(api_app, db, scope, "admin")
    done = client.post(
        f"/setup/products/{number}/variants/MUG",
        data={"csrf_token": csrf, "discontinued": "yes", "sellable_from": "2031-05-01", "options": "colour=white",
              "add_barcodes": "222", "remove_barcodes": ["111"]},
    )  # fmt: skip
    assert done.status_code == 303, done.text
    [mug] = products.show_product(db, scope, "MUG").variants
    assert (mug.discontinued, mug.sellable_from, mug.options, mug.barcodes) == (
        True, "2031-05-01", {"colour": "white"}, ["222"],
    )  # fmt: skip


def test_locations_and_types_are_added_and_changed(api_app: FastAPI, db: Database, scope: Scope) -> None:
    client, csrf = signed_in(api_app, db, scope, "admin")
    for data in (
        {"code": "WH1", "name": "Main", "kind": "warehouse", "saleable": "yes", "priority": "10"},
        {"code": "WH1-A", "name": "", "kind": "warehouse", "parent": "WH1", "saleable": "yes", "priority": ""},
    ):
        assert client.post("/setup/locations", data={"csrf_token": csrf, **data}).status_code == 303
    changed = client.post(
        "/setup/locations/WH1-A",
        data={"csrf_token": csrf, "name": "Aisle A", "kind": "warehouse", "parent": "WH1", "priority": "5"},
    )  # no saleable box ticked: not for sale
    assert changed.status_code == 303
    assert client.post("/setup/types", data={"csrf_token": csrf, "code": "used", "sellable": "yes"}).status_code == 303
    rows = {r.code: r for r in browse.list_locations(db, scope)}
    assert (rows["WH1-A"].name, rows["WH1-A"].saleable, rows["WH1-A"].priority) == ("Aisle A", False, 5)
    assert InventoryTypeRow("used", True) in browse.list_inventory_types(db, scope)
    refused = client.post("/setup/locations", data={"csrf_token": csrf, "code": "WH1", "priority": "x"})
    assert refused.status_code == 422 and "priority" in refused.text


def test_a_channel_is_added_with_its_locations_in_order_and_its_settings_changed(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "DROP", kind="dropship")
    f.location(db, scope, "WH-SOUTH")
    f.location(db, scope, "SHOP", saleable=False)
    client, csrf = signed_in(api_app, db, scope, "admin")
    added = client.post(
        "/setup/channels",
        data={"csrf_token": csrf, "code": "web", "kind": "manual", "location": ["DROP", "SHOP", "WH-SOUTH"],
              "position": ["2", "", "1"], "feeds": ["DROP", "WH-SOUTH"], "inventory_types": ["good"],
              "allocation": "priority", "push": "immediate"},
    )  # fmt: skip
    assert added.status_code == 303, added.text
    assert channel_view(db, scope, "web").locations == ["WH-SOUTH", "DROP"]
    changed = client.post(
        "/setup/channels/web",
        data={"csrf_token": csrf, "location": ["DROP", "SHOP", "WH-SOUTH"], "position": ["1", "", "2"],
              "feeds": ["DROP", "WH-SOUTH"], "inventory_types": ["good", "damaged"],
              "allocation": "most_available", "push": "interval", "push_interval_s": "300", "always_in_stock": "5"},
    )  # fmt: skip
    assert changed.status_code == 303, changed.text
    view = channel_view(db, scope, "web")
    assert (view.locations, view.inventory_types, view.allocation, view.push) == (
        ["DROP", "WH-SOUTH"], ["damaged", "good"], "most_available", "interval",
    )  # fmt: skip
    assert (view.push_interval_s, view.always_in_stock) == (300.0, 5)
    none = client.post(
        "/setup/channels/web",
        data={"csrf_token": csrf, "location": ["DROP"], "position": [""], "inventory_types": ["good"],
              "allocation": "priority", "push": "immediate", "push_interval_s": "600", "always_in_stock": "5"},
    )  # fmt: skip
    assert none.status_code == 422 and "locations" in none.text
    assert channel_view(db, scope, "web").allocation == "most_available"  # nothing written


def test_a_channel_is_connected_and_its_secrets_stay_masked(api_app: FastAPI, db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    client, csrf = signed_in(api_app, db, scope, "admin")
    client.post("/setup/channels", data={"csrf_token": csrf, "code": "ebay", "kind": "ebay", "location": ["WH1"],
                                         "position": ["1"], "feeds": ["WH1"]})  # fmt: skip
    done = client.post(
        "/setup/channels/ebay/connect",
        data={"csrf_token": csrf, "key": ["base_url", "access_token", "order_poll_s"],
              "value": ["http://127.0.0.1:8103", "s3cret", "30"]},
    )  # fmt: skip
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert "connection saved: connected" in page.text and "s3cret" not in page.text
    view = channel_view(db, scope, "ebay")
    assert view.config == {"access_token": "****", "base_url": "http://127.0.0.1:8103", "order_poll_s": 30.0}
    again = client.post(  # the masked secret sent back unchanged keeps the secret
        "/setup/channels/ebay/connect",
        data={"csrf_token": csrf, "key": ["base_url", "access_token"], "value": ["http://127.0.0.1:8104", "****"]},
    )
    assert again.status_code == 303
    with db.read() as conn:
        from truecount.services.channels.setup import load_channel

        stored = load_channel(conn, scope.merchant_id, "ebay").config
    assert stored["access_token"] != "s3cret"  # encrypted at rest
    assert open_config(stored)["access_token"] == "s3cret"  # and the same secret kept
    bad = client.post(
        "/setup/channels/ebay/connect", data={"csrf_token": csrf, "key": ["base_url"], "value": ["ftp:x"]}
    )
    assert bad.status_code == 422 and "config.base_url" in bad.text


def test_one_rule_for_a_selection_of_listings_and_back_to_the_default(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    for sku in ("A", "B", "C"):
        f.variant(db, scope, sku)
        f.receive(db, scope, sku, 10, "WH1")
    client, csrf = signed_in(api_app, db, scope, "admin")
    client.post("/setup/channels", data={"csrf_token": csrf, "code": "web", "kind": "manual", "location": ["WH1"],
                                         "position": ["1"], "feeds": ["WH1"]})  # fmt: skip
    for sku in ("A", "B", "C"):
        linked = client.post("/setup/channels/web/listings", data={"csrf_token": csrf, "sku": sku, "ref": f"ref-{sku}"})
        assert linked.status_code == 303, linked.text
    done = client.post(
        "/setup/channels/web/rules",
        data={"csrf_token": csrf, "sku": ["A", "B"], "kind": "percent", "percent": "30", "reserve": "1", "cap": "5"},
    )
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"])
    assert "rule 30% of the pool, reserve 1, cap 5 set for 2 SKU(s)" in page.text
    row = re.search(r'<tr data-sku="A">.*?</tr>', page.text, re.S)
    assert row is not None and "30% of the pool, reserve 1, cap 5" in row.group(0)
    offered = {r.sku: r.quantity for r in offers.quantities(db, scope, "web", None)}
    assert offered == {"A": 2, "B": 2, "C": 10}
    cleared = client.post("/setup/channels/web/rules", data={"csrf_token": csrf, "sku": ["A"], "kind": ""})
    assert cleared.status_code == 303
    kinds = {r.sku: r.kind for r in rules_of(db, scope, "web")}
    assert kinds == {"A": None, "B": "percent", "C": None}
    nothing = client.post("/setup/channels/web/rules", data={"csrf_token": csrf, "kind": "stop_sell"})
    assert nothing.status_code == 422 and "tick at least one listing" in nothing.text
    assert {r.sku: r.kind for r in rules_of(db, scope, "web")} == kinds
