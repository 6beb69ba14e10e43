"""The order pages over real storage: a manual order, the acts on it, refusals in words, bundles."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests import factories as f
from tests import order_factories as o
from tests.api_factories import signed_in
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.orders.views import list_orders


def test_a_bundle_line_of_one_short_of_two_mugs_shows_one_backordered_naming_the_components_short(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    o.shop(db, scope, "TEE", "MUG")
    f.variant(db, scope, "GIFT", components=[("TEE", 1), ("MUG", 2)])
    f.receive(db, scope, "TEE", 1, "WH1")
    order = o.order(db, scope, "B1", ("GIFT", 1))
    client, _ = signed_in(api_app, db, scope, "viewer")
    page = client.get(f"/orders/{order.id}").text
    cell = re.search(r'<td class="n backordered negative">(.*?)</td>', page, re.S)
    assert cell is not None and cell.group(1).strip().startswith("1") and "short: MUG × 2" in cell.group(1)
    assert "WH1 (TEE): <b>1</b>" in page  # the component booked, shown under the bundle line


def test_a_manual_order_without_lines_is_refused_in_words_and_nothing_is_recorded(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    o.shop(db, scope)
    client, csrf = signed_in(api_app, db, scope, "staff")
    form = {"csrf_token": csrf, "channel": "web", "external_id": "M-1", "key": "k1"}
    empty = client.post("/orders/new", data=form)
    assert empty.status_code == 422 and "add at least one line" in empty.text
    bad = client.post("/orders/new", data={**form, "sku": ["TEE", "NOPE"], "quantity": ["1", "1"]})
    assert bad.status_code == 404 and "no variant with SKU or barcode &#39;NOPE&#39;" in bad.text
    assert 'value="NOPE"' in bad.text  # what was typed stays on the form
    assert list_orders(db, scope, None) == []
    made = client.post("/orders/new", data={**form, "sku": ["TEE"], "quantity": ["2"], "strict": "false"})
    assert made.status_code == 303 and made.headers["location"].startswith("/orders/")
    again = client.post("/orders/new", data={**form, "sku": ["TEE"], "quantity": ["2"], "strict": "false"})
    replayed = made.headers["location"].replace("recorded", "recorded+%28it+was+already+recorded%29")
    assert again.headers["location"] == replayed
    assert len(list_orders(db, scope, None)) == 1


def test_acts_on_an_order_need_staff_refusals_are_shown_and_cancel_all_releases_everything(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    oid = o.order(db, scope, "C1", ("TEE", 3)).id
    viewer, viewer_csrf = signed_in(api_app, db, scope, "viewer")
    assert viewer.post(f"/orders/{oid}/cancel", data={"csrf_token": viewer_csrf, "all": "true"}).status_code == 403
    staff, csrf = signed_in(api_app, db, scope, "staff")
    too_many = staff.post(f"/orders/{oid}/fulfil", data={"csrf_token": csrf, "qty-1": "4"})
    assert too_many.status_code in (409, 422) and "✖" in too_many.text
    nothing = staff.post(f"/orders/{oid}/fulfil", data={"csrf_token": csrf, "qty-1": "0"})
    assert nothing.status_code == 422 and "enter a quantity on at least one line" in nothing.text
    assert list_orders(db, scope, None)[0].lines[0].fulfilled == 0
    shipped = staff.post(f"/orders/{oid}/fulfil", data={"csrf_token": csrf, "qty-1": "1", "key": "s1"})
    assert shipped.status_code == 303
    cancelled = staff.post(f"/orders/{oid}/cancel", data={"csrf_token": csrf, "all": "true", "key": "c1"})
    assert cancelled.status_code == 303 and cancelled.headers["location"].endswith("done=cancelled")
    line = list_orders(db, scope, None)[0].lines[0]
    assert (line.fulfilled, line.cancelled) == (1, 2)
    page = staff.get(f"/orders/{oid}").text
    assert 'data-confirm="Cancel everything' not in page  # nothing left to cancel
    assert "kind-ship" in page and "kind-release" in page
