"""``truecount serve``: the dashboard and the API on one port (and the embedded sync worker)."""

from __future__ import annotations

import http.client
import os
import secrets
import threading

import typer

from .common import STATE, console, translate_errors

WORKERS_HELP = (
    "Server processes sharing the port (the embedded sync worker runs in one of them). "
    "Default: one per core on PostgreSQL, 1 on SQLite (its writes take one file lock)."
)


PROBE_INTERVAL_S = 0.05  # between attempts while nothing listens on the port yet
PROBE_TIMEOUT_S = 5.0  # one attempt's wait for an answer (with --workers the port listens before a process answers)


def wait_until_answering(host: str, port: int, stop: threading.Event) -> bool:
    """True once an HTTP request to the server at ``host:port`` is answered (any status); False if
    ``stop`` is set first.

    Only an answer proves a user can be served: the port listens before then (with ``--workers`` the
    parent process binds it while each server process is still starting), and a connection to it
    would only wait in the queue. A wildcard host is asked on its loopback address.
    """
    probe = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    while not stop.is_set():
        connection = http.client.HTTPConnection(probe, port, timeout=PROBE_TIMEOUT_S)
        try:
            # Without credentials: the guard answers 401 itself (no database, no thread of the pool).
            connection.request("GET", "/api/v1/me")
            connection.getresponse().read()
            return True
        except (OSError, http.client.HTTPException):  # refused (not listening yet), reset or timed out
            stop.wait(PROBE_INTERVAL_S)
        finally:
            connection.close()
    return False


def announce_when_answering(host: str, port: int, message: str, stop: threading.Event) -> None:
    """Print ``message`` (where to connect) from a thread, once the server answers there."""

    def announce() -> None:
        if wait_until_answering(host, port, stop):
            console.print(message, soft_wrap=True)  # one line, however long the database URL

    threading.Thread(target=announce, name="truecount-serve-ready", daemon=True).start()


def default_workers(database_url: str) -> int:
    """One process per core on PostgreSQL (concurrent requests book in parallel and share commits);
    one on SQLite, where every write takes the database file's single lock anyway."""
    return 1 if database_url.startswith("sqlite") else max(1, os.cpu_count() or 1)


def serve(
    db: str | None = typer.Option(None, "--db", help="Database URL (default: the global --db or the setting)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (loopback by default)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    worker: bool = typer.Option(True, "--worker/--no-worker", help="Run the embedded sync worker."),
    workers: int | None = typer.Option(None, "--workers", min=1, max=64, help=WORKERS_HELP),
    access_log: bool = typer.Option(False, "--access-log/--no-access-log", help="Log every request (costs CPU)."),
    proxy_headers: bool = typer.Option(
        False,
        "--proxy-headers/--no-proxy-headers",
        help="Behind a TLS proxy: trust its X-Forwarded-Proto/-For (the session cookie is then Secure).",
    ),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1", "--forwarded-allow-ips", help="Comma-separated addresses of the proxies trusted (* for any)."
    ),
) -> None:
    """Bring the schema up to date, then serve the dashboard and the API."""
    import uvicorn

    from truecount.entrypoints.api.app import create_app
    from truecount.entrypoints.api.served import LOCK_ENV, lock_path
    from truecount.entrypoints.secret_key import with_secret_key
    from truecount.services.accounts import users as accounts
    from truecount.services.bootstrap import init_database
    from truecount.settings import get_settings

    if db:
        STATE.use(db, STATE.merchant)
    settings = with_secret_key(get_settings().model_copy(update={"database_url": STATE.url}), host)
    database = STATE.db()
    merchant = STATE.merchant or settings.merchant
    init_database(database, merchant)
    scope = STATE.scope()
    if accounts.count_users(database, scope.merchant_id) == 0:
        password = secrets.token_urlsafe(12)
        accounts.add_user(database, scope, "admin", "admin", password)
        console.print(f"created the first user: sign in as [bold]admin[/] with password [bold]{password}[/]")
    processes = workers or default_workers(STATE.url)
    shown = f"[{host}]" if ":" in host else host
    message = (
        f"truecount serving {STATE.url} at [bold]http://{shown}:{port}/[/] (API: /api/v1, /openapi.json), "
        f"{processes} process{'es' if processes > 1 else ''}"
    )
    # On SIGTERM: requests still running get 2 s, then the embedded worker stops (its waits end at once).
    options = {
        "host": host,
        "port": port,
        "log_level": "info",
        "proxy_headers": proxy_headers,
        "forwarded_allow_ips": forwarded_allow_ips,
        "access_log": access_log,
        "timeout_graceful_shutdown": 2,
    }
    stop = threading.Event()
    announce_when_answering(host, port, message, stop)  # the URL is printed when it answers, not before
    try:
        if processes == 1:
            uvicorn.run(create_app(settings, database, run_worker=worker), **options)  # type: ignore[arg-type]
            return
        database.dispose()  # each process opens its own pool
        os.environ["TRUECOUNT_DATABASE_URL"] = STATE.url
        os.environ["TRUECOUNT_MERCHANT"] = merchant
        os.environ["TRUECOUNT_SECRET_KEY"] = settings.secret_key  # every process signs with the same key
        os.environ[LOCK_ENV] = lock_path(STATE.url, port) if worker else ""
        uvicorn.run("truecount.entrypoints.api.served:app", factory=True, workers=processes, **options)  # type: ignore[arg-type]
    finally:
        stop.set()


def register(app: typer.Typer) -> None:
    app.command("serve")(translate_errors(serve))
