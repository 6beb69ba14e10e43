"""``truecount serve``: the dashboard and the API on one port (and the embedded sync worker)."""

from __future__ import annotations

import secrets

import typer

from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import init_database

from .common import STATE, console, translate_errors


def serve(
    db: str | None = typer.Option(None, "--db", help="Database URL (default: the global --db or the setting)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (loopback by default)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    worker: bool = typer.Option(True, "--worker/--no-worker", help="Run the embedded sync worker."),
) -> None:
    """Bring the schema up to date, then serve the dashboard and the API."""
    import uvicorn

    from truecount.entrypoints.api.app import create_app
    from truecount.settings import get_settings

    if db:
        STATE.db_url = db
        STATE._db = None
    settings = get_settings().model_copy(update={"database_url": STATE.url})
    database = STATE.db()
    merchant = STATE.merchant or settings.merchant
    init_database(database, merchant)
    scope = STATE.scope()
    if accounts.count_users(database, scope.merchant_id) == 0:
        password = secrets.token_urlsafe(12)
        accounts.add_user(database, scope, "admin", "admin", password)
        console.print(f"created the first user: sign in as [bold]admin[/] with password [bold]{password}[/]")
    shown = f"[{host}]" if ":" in host else host
    console.print(f"truecount serving {STATE.url} at [bold]http://{shown}:{port}/[/] (API: /api/v1, /openapi.json)")
    app = create_app(settings, database, run_worker=worker)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(translate_errors(serve))
