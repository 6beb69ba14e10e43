"""The kits and work-order pages over HTTP on both backends: a bill set by an admin (staff are
refused), a work order created, released, completed and cancelled from its page, refusals naming
the field with what was typed kept."""

from __future__ import annotations

from fastapi import FastAPI

from tests import factories as f
from tests.api_factories import signed_in
from truecount.adapters.db.engine import Database
from truecount.services.assembly import work_orders
from truecount.services.common.scope import Scope


def test_a_bill_and_a_work_order_go_through_the_pages(api_app: FastAPI, db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    for sku in ("BOX", "KIT"):
        f.variant(db, scope, sku)
    f.receive(db, scope, "BOX", 5, "WH1")
    admin, admin_csrf = signed_in(api_app, db, scope, "admin")
    staff, csrf = signed_in(api_app, db, scope, "staff")
    bill = {"sku": "KIT", "components": "BOX:2", "mode": "ahead", "build_to_order_at": ""}
    assert staff.post("/boms", data={**bill, "csrf_token": csrf}).status_code == 403
    bad = admin.post("/boms", data={**bill, "components": "BOX:two", "csrf_token": admin_csrf})
    assert bad.status_code == 422 and "components" in bad.text and 'value="BOX:two"' in bad.text
    saved = admin.post("/boms", data={**bill, "csrf_token": admin_csrf}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert 'value="BOX:2"' in admin.get("/boms?sku=KIT").text

    form = {"sku": "KIT", "quantity": "3", "location": "WH1", "csrf_token": csrf}
    short = staff.post("/work-orders", data={**form, "quantity": "0"})
    assert short.status_code == 422 and "quantity" in short.text
    made = staff.post("/work-orders", data=form, follow_redirects=False)
    wid = int(made.headers["location"].rsplit("/", 1)[1])
    refused = staff.post(f"/work-orders/{wid}/release", data={"csrf_token": csrf})
    assert refused.status_code == 409 and "BOX (missing 1)" in refused.text  # 6 needed, 5 there
    f.receive(db, scope, "BOX", 1, "WH1")
    assert staff.post(f"/work-orders/{wid}/release", data={"csrf_token": csrf}).status_code == 303
    done = staff.post(f"/work-orders/{wid}/complete", data={"quantity": "2", "scrap": "0", "csrf_token": csrf})
    assert done.status_code == 303 and "in+progress" in done.headers["location"]
    assert "unknown: BOX has no cost" in staff.get(f"/work-orders/{wid}").text
    assert staff.post(f"/work-orders/{wid}/cancel", data={"csrf_token": csrf}).status_code == 303
    shown = work_orders.show_work_order(db, scope, wid)
    assert (shown.status, shown.produced) == ("cancelled", 2)
    assert f'href="/work-orders/{wid}"' in staff.get("/work-orders?status=cancelled").text
    assert staff.get("/work-orders/999999").status_code == 404
