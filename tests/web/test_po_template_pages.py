"""The mail templates page on both backends, in-process: an admin's save (CRLF from a textarea kept as
plain lines), a viewer refused, an unknown template name 404 naming it."""

from __future__ import annotations

from fastapi import FastAPI

from tests.api_factories import signed_in
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.purchasing import templates


def test_an_admin_saves_a_text_a_viewer_may_not_and_an_unknown_name_is_404(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    admin, csrf = signed_in(api_app, db, scope, "admin")
    saved = admin.post("/purchase-orders/templates/send", data={"csrf_token": csrf, "body": "Hi $number\r\n$lines\r\n"})
    assert saved.status_code == 303
    assert templates.get_template(db, scope, "send").body == "Hi $number\n$lines\n"
    page = admin.get("/purchase-orders/templates")
    assert page.status_code == 200 and 'id="template-follow-up"' in page.text and "own text, saved" in page.text
    unknown = admin.post("/purchase-orders/templates/invoice", data={"csrf_token": csrf, "body": "x"})
    assert unknown.status_code == 404 and "name: no mail template" in unknown.text
    viewer, token = signed_in(api_app, db, scope, "viewer")
    assert viewer.get("/purchase-orders/templates").status_code == 200
    refused = viewer.post("/purchase-orders/templates/send", data={"csrf_token": token, "reset": "yes"})
    assert refused.status_code == 403
    assert templates.get_template(db, scope, "send").custom
