"""The listings pages' writes on both backends, in-process: an XLSX download that imports back, a viewer
refused every write, steps moved past the ends left as they are, an unknown step index and a bad upload
refused naming the field with nothing written, and the pages for a reference with a slash and an @."""

from __future__ import annotations

import io

from fastapi import FastAPI
from openpyxl import load_workbook

from tests import factories as f
from tests import offer_factories as o
from tests.api_factories import signed_in
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import list_listings


def shop(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 30, "WH")
    o.channel(db, scope, "web", ["WH"])
    o.listing(db, scope, "web", "MUG", "MUG/6@PACK")


def steps(db: Database, scope: Scope) -> list[str] | None:
    return list_listings(db, scope, "web", "MUG/6@PACK")[0].steps


def test_an_admin_changes_steps_by_form_and_the_xlsx_sheet_round_trips(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    shop(db, scope)
    client, csrf = signed_in(api_app, db, scope, "admin")
    base = {"csrf_token": csrf, "ref": "MUG/6@PACK"}
    for op, value in (("reserve", "5"), ("cap", "20")):
        added = client.post("/channels/web/listing/steps", data=base | {"action": "add", "op": op, "value": value})
        assert added.status_code == 303 and "ref=MUG%2F6%40PACK" in added.headers["location"]
    assert steps(db, scope) == ["reserve=5", "cap=20"]
    client.post("/channels/web/listing/steps", data=base | {"action": "up", "index": "0"})  # first: stays
    client.post("/channels/web/listing/steps", data=base | {"action": "down", "index": "0"})
    assert steps(db, scope) == ["cap=20", "reserve=5"]
    bad = client.post("/channels/web/listing/steps", data=base | {"action": "remove", "index": "7"})
    assert bad.status_code == 422 and "index: there is no step 8" in bad.text
    assert steps(db, scope) == ["cap=20", "reserve=5"]
    stale = client.post(  # the page showed no steps of its own: another change came first
        "/channels/web/listing/steps", data=base | {"action": "remove", "index": "0", "shown": "none"}
    )
    assert stale.status_code == 409 and "steps: the steps changed since this page was shown" in stale.text
    assert steps(db, scope) == ["cap=20", "reserve=5"]
    page = client.get("/channels/web/listing", params={"ref": "MUG/6@PACK"})
    assert 'name="shown" value="[cap=20 reserve=5]"' in page.text
    assert page.status_code == 200 and "minus reserve 5, not below 0: 20 → 15" in page.text
    sheet = client.get("/channels/web/rules-sheet", params={"format": "xlsx"})
    assert sheet.status_code == 200 and sheet.headers["content-disposition"].endswith('rules-web.xlsx"')
    rows = list(load_workbook(io.BytesIO(sheet.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[2][7:] == ("MUG/6@PACK", "cap=20 reserve=5")
    client.post("/channels/web/listing/steps", data=base | {"action": "clear"})
    assert steps(db, scope) is None
    files = {"sheet": ("rules.xlsx", sheet.content, "application/octet-stream")}
    back = client.post("/channels/web/rules-sheet", data={"csrf_token": csrf}, files=files)
    assert back.status_code == 303, back.text
    assert steps(db, scope) == ["cap=20", "reserve=5"]
    wrong = client.post(
        "/channels/web/rules-sheet", data={"csrf_token": csrf}, files={"sheet": ("rules.txt", b"x", "text/plain")}
    )
    assert wrong.status_code == 422 and "file: must be a .csv or .xlsx file" in wrong.text


def test_a_viewer_sees_the_pages_but_every_write_is_refused(api_app: FastAPI, db: Database, scope: Scope) -> None:
    shop(db, scope)
    client, csrf = signed_in(api_app, db, scope, "viewer")
    assert client.get("/channels/web/listings").status_code == 200
    assert client.get("/channels/web/listing", params={"ref": "MUG/6@PACK"}).status_code == 200
    assert client.get("/channels/web/rules-sheet").status_code == 200
    writes = {
        "/channels/web/listings": {"sku": "MUG", "ref": "MUG-2"},
        "/channels/web/listing/steps": {"ref": "MUG/6@PACK", "action": "add", "op": "cap", "value": "1"},
        "/channels/web/listing/price": {"ref": "MUG/6@PACK", "price": "fixed=1.00"},
        "/channels/web/listing/units": {"ref": "MUG/6@PACK", "units_per_sale": "2"},
    }
    for path, data in writes.items():
        assert client.post(path, data={"csrf_token": csrf} | data).status_code == 403, path
    assert [(r.external_ref, r.steps, r.price_rule) for r in list_listings(db, scope, "web")] == [
        ("MUG/6@PACK", None, None)
    ]
    missing = client.get("/channels/web/listing", params={"ref": "NOPE"})
    assert missing.status_code == 404
