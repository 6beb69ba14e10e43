"""``truecount emulate``: the local channel emulators (sync commands join this module)."""

from __future__ import annotations

import threading

import typer

from .common import console


def register(app: typer.Typer) -> None:
    app.command()(emulate)


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
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for emulator in running:
            emulator.stop()
