"""API test fixtures: the app over the session database, and clients signed in with a token.

``api`` is an admin of the test's fresh merchant (``scope``); ``client_as(role)`` gives
clients of other roles. See docs/api.md ("Testing a route").
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api_factories import client_for
from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.app import create_app
from truecount.services.common.scope import Scope
from truecount.settings import Settings


@pytest.fixture(scope="session")
def api_app(db: Database) -> FastAPI:
    """One app per backend, sharing the session database (like ``truecount serve``)."""
    # feed_folders: the feeds tests read files from their tmp_path (below the system's temporary folder)
    return create_app(Settings(database_url=db.url, secret_key="test-secret", feed_folders=tempfile.gettempdir()), db)


@pytest.fixture
def api(api_app: FastAPI, db: Database, scope: Scope) -> TestClient:
    """An admin's client for the test's own merchant."""
    return client_for(api_app, db, scope, "admin")


@pytest.fixture
def client_as(api_app: FastAPI, db: Database, scope: Scope) -> Callable[[str], TestClient]:
    """``client_as("viewer")``: a client of the test's merchant with that role."""
    return lambda role: client_for(api_app, db, scope, role)
