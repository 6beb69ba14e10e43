"""The pick list pages over HTTP on both backends: made from the form (a refusal keeps what was
typed), shown, printed as a PDF; the scan page's pick-list scans answer JSON or the error shape."""

from __future__ import annotations

from fastapi import FastAPI

from tests import factories as f
from tests import offer_factories as of
from tests import order_factories as o
from tests.api_factories import assert_error, signed_in
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope


def test_a_pick_list_is_made_from_the_form_shown_printed_and_scanned(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    pages, csrf = signed_in(api_app, db, scope, "staff")
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 4, "WH1", lot="L1")
    of.channel(db, scope, "web", ["WH1"])
    order = o.order(db, scope, "o1", ("TEE", 2)).id
    assert f'href="/pick-lists?orders={order}"' in pages.get(f"/orders/{order}").text  # from the order's page
    assert f'id="pl-orders" value="{order}"' in pages.get(f"/pick-lists?orders={order}").text  # filled in
    form = {"csrf_token": csrf, "location": "WH1", "orders": "12a", "work_orders": ""}
    refused = pages.post("/pick-lists", data=form)
    assert refused.status_code == 422 and "orders" in refused.text and 'value="12a"' in refused.text
    made = pages.post("/pick-lists", data={**form, "orders": str(order)}, follow_redirects=False)
    assert made.status_code == 303, made.text
    page = pages.get(made.headers["location"])
    assert page.status_code == 200 and "L1" in page.text and f"order {order}" in page.text
    pid = int(made.headers["location"].rsplit("/", 1)[1])
    pdf = pages.get(f"/pick-lists/{pid}/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and b"(L1)" in pdf.content
    assert f'value="{pid}" selected' in pages.get(f"/scan?pick_list={pid}").text
    headers = {"X-CSRF-Token": csrf}
    ticked = pages.post("/scan/pick", json={"pick_list": pid, "code": "TEE", "quantity": 2}, headers=headers)
    assert ticked.status_code == 200 and ticked.json()["pick_list"]["complete"] is True, ticked.text
    assert_error(pages.post("/scan/pick", json={"pick_list": pid, "code": "TEE"}, headers=headers), 409, "conflict")
