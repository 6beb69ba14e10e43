"""The variant page lists a variant's substitutes in the order they are tried, on both backends."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests import order_factories as o
from tests.api_factories import signed_in
from truecount.adapters.db.engine import Database
from truecount.services.catalog.substitutes import AddSubstitute, add_substitute
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
