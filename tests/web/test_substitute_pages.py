"""The variant page lists a variant's substitutes in the order they are tried, on both backends."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests import order_factories as o
from tests.api_factories import signed_in
from truecount.adapters.db.engine import Database
from truecount.domain.substitutes import AddSubstitute
from truecount.services.catalog.substitutes import add_substitute, list_substitutes
from truecount.services.common.scope import Scope


def test_the_variant_page_lists_its_substitutes_in_order_and_a_variant_without_any_shows_none(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    o.shop(db, scope, "TEE", "TEE-NAVY", "TEE-2PK")
    add_substitute(db, scope, AddSubstitute("TEE", "TEE-2PK", ratio=2, channels=["web"], notify=True))
    add_substitute(db, scope, AddSubstitute("TEE", "TEE-NAVY"))
    client, _ = signed_in(api_app, db, scope, "viewer")
    page = client.get("/variants/TEE")
    assert page.status_code == 200
    rows = re.findall(r'<tr><td>(\d)</td><td><a href="/variants/([^"]+)">', page.text)
    assert rows == [("1", "TEE-2PK"), ("2", "TEE-NAVY")]
    assert re.search(r'TEE-2PK</a></td><td class="n">2</td><td>web</td><td>yes</td>', page.text)
    assert re.search(r'TEE-NAVY</a></td><td class="n">1</td><td>all</td><td>no</td>', page.text)
    assert 'id="substitutes"' not in client.get("/variants/TEE-NAVY").text


def test_an_admin_adds_and_removes_a_substitute_on_the_variant_page_and_a_refusal_writes_nothing(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    o.shop(db, scope, "TEE", "TEE-NAVY", "TEE-2PK")
    admin, csrf = signed_in(api_app, db, scope, "admin")
    assert 'id="add-substitute"' in admin.get("/variants/TEE").text
    form = {"csrf_token": csrf, "sku": "TEE", "substitute": "TEE-2PK", "ratio": "0", "channels": "web"}
    refused = admin.post("/substitutes/add", data=form)
    assert refused.status_code == 422
    assert re.search(r'id="refusal"[^>]*>✖ ratio: ', refused.text)
    assert 'name="substitute" required maxlength="200" autocomplete="off" value="TEE-2PK"' in refused.text
    assert 'value="web"' in refused.text and 'id="substitutes"' not in refused.text
    unknown = admin.post("/substitutes/add", data=form | {"substitute": "NOPE", "ratio": "2"})
    assert unknown.status_code == 404
    assert re.search(r'id="refusal"[^>]*>✖ substitute: ', unknown.text)
    assert 'value="NOPE"' in unknown.text
    assert list_substitutes(db, scope, "TEE").substitutes == []

    added = admin.post("/substitutes/add", data=form | {"ratio": "2", "notify": "on", "key": "k1"})
    assert added.status_code == 303
    assert added.headers["location"].startswith("/variants/TEE?done=")
    [entry] = list_substitutes(db, scope, "TEE").substitutes
    assert (entry.sku, entry.ratio, entry.channels, entry.notify) == ("TEE-2PK", 2, ["web"], True)
    page = admin.get(added.headers["location"]).text
    assert "TEE-2PK added as a substitute of TEE" in page
    assert re.search(r'TEE-2PK</a></td><td class="n">2</td><td>web</td><td>yes</td><td><form', page)

    gone = admin.post("/substitutes/remove", data={"csrf_token": csrf, "sku": "TEE", "substitute": "TEE-2PK"})
    assert gone.status_code == 303
    assert list_substitutes(db, scope, "TEE").substitutes == []


def test_staff_see_the_substitutes_without_the_form_and_cannot_post_it(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    o.shop(db, scope, "TEE", "TEE-NAVY")
    add_substitute(db, scope, AddSubstitute("TEE", "TEE-NAVY"))
    staff, csrf = signed_in(api_app, db, scope, "staff")
    page = staff.get("/variants/TEE").text
    assert 'id="substitutes"' in page
    assert 'id="add-substitute"' not in page and "/substitutes/remove" not in page
    refused = staff.post("/substitutes/remove", data={"csrf_token": csrf, "sku": "TEE", "substitute": "TEE-NAVY"})
    assert refused.status_code == 403
    assert [s.sku for s in list_substitutes(db, scope, "TEE").substitutes] == ["TEE-NAVY"]


def test_an_admin_post_without_the_csrf_token_is_refused(api_app: FastAPI, db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE", "TEE-NAVY")
    admin, _ = signed_in(api_app, db, scope, "admin")
    refused = admin.post("/substitutes/add", data={"sku": "TEE", "substitute": "TEE-NAVY"})
    assert refused.status_code == 403
    assert list_substitutes(db, scope, "TEE").substitutes == []
