"""Hardening tests reuse the API fixtures (the app over the session database, clients by role) and the
CLI's (``cli``: the real command line for a brand-new merchant, on each backend)."""

from tests.api.conftest import api, api_app, client_as  # noqa: F401  (fixtures)
from tests.cli.conftest import cli, cli_url  # noqa: F401  (fixtures)
