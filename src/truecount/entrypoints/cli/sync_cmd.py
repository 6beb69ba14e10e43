"""``truecount emulate``, ``worker``, ``reconcile`` and ``sync status``: keeping channels in step."""

from __future__ import annotations

import threading

import typer
from rich.table import Table

from .common import STATE, console, plain, print_json, translate_errors

sync_app = typer.Typer(help="Channel sync: status of every channel's pushes.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command()(emulate)
    app.command()(worker)
    app.command()(reconcile)
    app.add_typer(sync_app, name="sync")


def emulate(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (loopback by default)."),
    shopify_port: int = typer.Option(8101, "--shopify-port", help="Shopify Admin GraphQL emulator port (0: off)."),
    amazon_port: int = typer.Option(8102, "--amazon-port", help="Amazon SP-API emulator port (0: off)."),
    ebay_port: int = typer.Option(8103, "--ebay-port", help="eBay Sell APIs emulator port (0: off)."),
    woocommerce_port: int = typer.Option(
        8104, "--woocommerce-port", help="WooCommerce REST v3 emulator port (0: off)."
    ),
    amazon_feed_delay_s: float = typer.Option(
        2.0, "--amazon-feed-delay-s", help="How long a feed waits before processing."
    ),
) -> None:
    """Run the channel emulators on loopback ports until interrupted (Ctrl-C)."""
    from truecount.emulators.runner import start

    ports = {"shopify": shopify_port, "amazon": amazon_port, "ebay": ebay_port, "woocommerce": woocommerce_port}
    running = []
    for kind, port in ports.items():
        if port:
            options = {"feed_delay_s": amazon_feed_delay_s} if kind == "amazon" else {}
            running.append(start(kind, host=host, port=port, **options))
            console.print(f"{kind:<12} {running[-1].url}  (admin: {running[-1].url}/_emulator/state)")
    if running:
        from truecount.emulators.auth import CREDENTIALS

        shown = ", ".join(f"{k}={v}" for k, v in CREDENTIALS.items())
        console.print(f"credentials they accept (see docs/sync.md, Emulators): {shown}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for emulator in running:
            emulator.stop()


@translate_errors
def worker() -> None:
    """Run the sync worker: push queued quantities, poll channel orders, until SIGINT/SIGTERM.

    With the global ``--merchant`` it serves that merchant's channels only; otherwise every merchant's.
    """
    from truecount.entrypoints.worker import run_worker
    from truecount.settings import get_settings

    scope = STATE.scope()  # opens (and if needed initialises) the database
    run_worker(STATE.db(), get_settings(), scope.merchant_id if STATE.merchant else None)


@translate_errors
def reconcile(
    channel: str | None = typer.Argument(None, help="Channel code (default: every pushed channel)."),
    no_heal: bool = typer.Option(False, "--no-heal", help="Only report drift; do not push the last value again."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Read back every listing's quantity from the channel, report drift (channel ≠ last pushed) and heal it."""
    from truecount.services.sync.reconcile import reconcile as run

    reports = run(STATE.db(), STATE.scope(), channel, heal=not no_heal)
    if as_json:  # ``pushed`` only where healing pushes went out
        print_json([{k: v for k, v in plain(r).items() if k != "pushed" or v is not None} for r in reports])
        return
    for report in reports:
        console.print(
            f"[bold]{report.channel}[/]: {report.read} listings read, {len(report.drift)} drifted"
            + (f", {report.pushed or 0} pushed again" if report.drift and not no_heal else "")
        )
        for d in report.drift:
            console.print(f"  {d.sku} ({d.external_ref}): pushed {d.pushed}, channel shows {d.channel}")


@sync_app.command("status")
@translate_errors
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Per channel: its state (not connected, in step, behind, failing, paused) in words, last successful
    push, queue depth and the age of the oldest queued push, failing rows, drift found by a read-back, channel
    orders refused (and the last one, with its reason), fulfilments with tracking queued/failing/refused (and
    the last fulfilment error)."""
    from truecount.domain.sync_health import age_in_words
    from truecount.services.sync.status import sync_status

    rows = sync_status(STATE.db(), STATE.scope())
    if as_json:
        print_json(rows)
        return
    table = Table(
        "channel", "kind", "push", "last success", "queued", "oldest", "failing", "drift", "refused", "fulfilments",
        "state",
    )  # fmt: skip
    for r in rows:
        last = str(r.last_success_at or "never")[:19]
        age = r.oldest_queued_age_s
        oldest = age_in_words(age) if age is not None else ""
        drift = str(r.drift) if r.drift else ""
        refused = str(r.orders_refused) if r.orders_refused else ""
        table.add_row(
            r.channel, r.kind, r.push, last, str(r.queue_depth), oldest, str(r.failing), drift, refused,
            r.fulfilments_summary, r.summary,
        )  # fmt: skip
    console.print(table)
    for r in rows:
        if r.last_fulfilment_error:
            console.print(f"{r.channel}: last fulfilment error: {r.last_fulfilment_error}", soft_wrap=True)
        if r.last_order_refusal:
            when = str(r.last_order_refused_at)[:19]
            console.print(f"{r.channel}: last refused order ({when}): {r.last_order_refusal}", soft_wrap=True)
