"""The navigation lists pages the app serves: every link opens a page for an admin."""

from __future__ import annotations

from fastapi import FastAPI

from tests.api_factories import signed_in
from truecount.adapters.db.engine import Database
from truecount.entrypoints.web.render import NAV
from truecount.services.common.scope import Scope


def test_every_link_of_the_navigation_opens_a_page(api_app: FastAPI, db: Database, scope: Scope) -> None:
    admin, _ = signed_in(api_app, db, scope, "admin")
    assert len(NAV) > 5
    assert {path: admin.get(path, follow_redirects=True).status_code for path, _ in NAV} == {
        path: 200 for path, _ in NAV
    }
