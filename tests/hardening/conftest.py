"""Hardening tests reuse the API fixtures (the app over the session database, clients by role)."""

from tests.api.conftest import api, api_app, client_as  # noqa: F401  (fixtures)
