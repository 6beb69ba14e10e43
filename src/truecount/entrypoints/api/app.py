"""Build the web application: the JSON API under ``/api/v1`` and the HTML pages, one object.

``create_app(settings)`` opens the database once and hands the same :class:`Truecount`
to every route (API and pages alike). ``truecount serve`` runs it with uvicorn.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from truecount import __version__
from truecount.adapters.db.engine import Database
from truecount.services.accounts import passwords
from truecount.services.bootstrap import open_database
from truecount.services.channels import secrets
from truecount.settings import Settings, get_settings

from .. import web
from ..process import settled
from ..worker import start_embedded_worker
from .deps import refuse_unknown_query
from .errors import install_error_handlers
from .guard import RequestGuard
from .headers import SecurityHeaders
from .lean_orders import install_lean_orders
from .lean_webhooks import install_lean_webhooks
from .openapi import install_openapi
from .routes import all_routers
from .state import Truecount

log = logging.getLogger("truecount.api")

DESCRIPTION = """One trustworthy stock count per variant, location and condition.

Authenticate with `Authorization: Bearer TOKEN` (create one with `truecount tokens create --user NAME`).
Writes accept an `Idempotency-Key` header. Every 4xx has the body
`{"error": {"code", "message", "details"}}`. Lists take `limit` and `offset`.
"""


def create_app(settings: Settings | None = None, db: Database | None = None, *, run_worker: bool = False) -> FastAPI:
    """The application. ``db`` defaults to one opened from ``settings.database_url`` (schema not touched:
    run ``init`` first, as ``truecount serve`` does). ``run_worker`` starts the embedded sync worker."""
    settings = settings or get_settings()
    if settings.channel_secrets_key:  # else derived from the secret key, read once (secrets.vault)
        secrets.use_key(settings.channel_secrets_key)
    if db is None:
        db = open_database(
            settings.database_url,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
            pool_size=settings.pg_pool_size,
            lock_timeout_ms=settings.pg_lock_timeout_ms,
        )
    truecount = Truecount(settings=settings, db=db)
    passwords.limit_concurrency(settings.password_hash_concurrency)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = start_worker(truecount) if run_worker else None
        try:
            with settled():  # started: what start-up built stays out of the collector's walks
                yield
        finally:
            if stop is not None:
                stop()

    app = FastAPI(
        title="truecount",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        dependencies=[Depends(refuse_unknown_query)],
    )
    app.state.truecount = truecount
    install_error_handlers(app)
    app.add_middleware(RequestGuard)  # inside: authenticate, then hold the body to its limit
    app.add_middleware(SecurityHeaders)  # outside: every answer carries the headers
    for router in all_routers():
        app.include_router(router)
    web.mount(app)
    install_openapi(app)
    install_lean_webhooks(app)
    install_lean_orders(app)  # tried first of all, then the webhooks' short path
    return app


def start_worker(truecount: Truecount) -> Callable[[], None]:
    """Start the embedded sync worker and offer clock; return how to stop them."""
    return start_embedded_worker(truecount.db, truecount.settings)
