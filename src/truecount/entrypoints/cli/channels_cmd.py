"""``truecount channel add|list|show|set-locations|configure|check``: the channels, what feeds them
and how they are connected."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.table import Table

from truecount.domain.commands import CreateChannel
from truecount.domain.errors import InvalidInput
from truecount.services.channels import setup as channels
from truecount.services.channels.config import configure_channel
from truecount.services.channels.secrets import masked
from truecount.services.offers import listings
from truecount.services.offers.channel_sources import set_channel_locations
from truecount.services.sync.check import check_channel

from .common import STATE, console, print_json, translate_errors

channel_app = typer.Typer(
    help="Sales channels: kind, feeding locations, inventory types, push policy.", no_args_is_help=True
)


def _codes(value: str | None) -> list[str] | None:
    return None if value is None else [c.strip() for c in value.split(",") if c.strip()]


@channel_app.command("add")
@translate_errors
def add(
    code: str = typer.Argument(..., help="The channel's code, e.g. amazon-uk."),
    kind: str = typer.Option(..., "--kind", help="shopify, amazon, ebay, woocommerce, pos or manual."),
    locations: str = typer.Option(..., "--locations", help="Feeding location codes, comma-separated."),
    types: str | None = typer.Option(None, "--types", help="Inventory types it sells (default: the sellable ones)."),
    allocation: str = typer.Option(
        "priority",
        "--allocation",
        help="How suppliers are chosen: priority, most_available, cheapest (unit cost), fastest (lead time and"
        " cut-off), reliable (on-time record) or own_first (own stock, then suppliers by priority).",
    ),
    push: str = typer.Option("immediate", "--push", help="immediate or interval."),
    push_interval_s: float = typer.Option(600.0, "--push-interval-s", help="Seconds between interval pushes."),
    always_in_stock: int = typer.Option(100, "--always-in-stock", help="Offered for non-tracked variants."),
    config: str = typer.Option("{}", "--config", help="Connector settings as a JSON object."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a channel."""
    try:
        settings = json.loads(config)
    except json.JSONDecodeError as error:
        raise typer.BadParameter(f"--config is not JSON: {error}") from None
    cmd = CreateChannel(
        code, kind, _codes(locations) or [], _codes(types), allocation, push, push_interval_s, always_in_stock, settings
    )
    row = channels.create_channel(STATE.db(), STATE.scope(), cmd, key)
    if as_json:
        print_json(row)
        return
    console.print(f"channel {code} ({kind}) fed by {', '.join(cmd.locations)}; sells {', '.join(row.inventory_types)}")


@channel_app.command("list")
@translate_errors
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every channel of the merchant."""
    rows = channels.list_channels(STATE.db(), STATE.scope())
    if as_json:
        print_json(rows)
        return
    table = Table(title="Channels")
    for name in ("code", "kind", "locations", "types", "allocation", "push"):
        table.add_column(name)
    for row in rows:
        table.add_row(
            row.code,
            row.kind,
            str(len(row.location_ids)),
            str(len(row.inventory_type_ids)),
            row.allocation,
            row.push,
        )
    console.print(table)


@channel_app.command("show")
@translate_errors
def show(code: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """One channel with its listings and their offered quantities."""
    db, scope = STATE.db(), STATE.scope()
    with db.read() as conn:
        channel = asdict(channels.load_channel(conn, scope.merchant_id, code))
    channel["config"] = masked(channel["config"])
    rows = listings.list_listings(db, scope, code)
    if as_json:
        print_json({**channel, "listings": rows})
        return
    console.print(
        f"{channel['code']} ({channel['kind']}): allocation {channel['allocation']}, push {channel['push']}, "
        f"always in stock {channel['always_in_stock']}, {len(rows)} listing(s)"
    )
    table = Table(title=f"Listings on {code}")
    for name in ("SKU", "reference", "offered", "changed at"):
        table.add_column(name)
    for row in rows:
        table.add_row(row.sku, row.external_ref, str(row.quantity), str(row.changed_at or ""))
    console.print(table)


@channel_app.command("set-locations")
@translate_errors
def set_locations(
    code: str = typer.Argument(...),
    locations: str = typer.Argument(..., help="Feeding location codes, comma-separated."),
    types: str | None = typer.Option(None, "--types", help="Also replace the inventory types it sells."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
) -> None:
    """Replace the locations (and optionally types) feeding a channel; its listings are recomputed."""
    row = set_channel_locations(STATE.db(), STATE.scope(), code, _codes(locations) or [], _codes(types), key)
    console.print(f"{code} now fed by {', '.join(row.locations)}; {row.listings_changed} listing(s) changed")


def _setting(item: str, i: int) -> tuple[str, object]:
    """``KEY=VALUE``: the value read as JSON where it is JSON (5, 2.5, true, {...}), else as text."""
    name, sep, raw = item.partition("=")
    if not sep or not name:
        raise InvalidInput(f"{item!r} must be KEY=VALUE", field=f"set[{i}]")
    try:
        value: object = json.loads(raw)
    except ValueError:
        value = raw
    return name.strip(), value


@channel_app.command("configure")
@translate_errors
def configure(
    code: str = typer.Argument(...),
    sets: list[str] = typer.Option([], "--set", help="KEY=VALUE, e.g. base_url=http://127.0.0.1:8101 (repeatable)."),
    unsets: list[str] = typer.Option([], "--unset", help="A setting to remove, e.g. base_url (repeatable)."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Connect a channel or change its connector settings (base_url, access_token, reconcile_interval_s…).

    The worker picks the change up on its next loop; removing base_url disconnects the channel
    (its pushes wait in the queue)."""
    changes: dict[str, object] = dict(_setting(item, i) for i, item in enumerate(sets))
    changes.update({name: None for name in unsets})
    shown = configure_channel(STATE.db(), STATE.scope(), code, changes, key)
    if as_json:
        print_json(shown)
        return
    state = "connected" if shown.connected else "not connected (no base_url)"
    console.print(f"{code} ({shown.kind}) {state}")
    for name, value in shown.config.items():
        console.print(f"  {name} = {json.dumps(value)}")


@channel_app.command("check")
@translate_errors
def check(code: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Try the channel's stored credentials with a cheap read: say what works and what to fix.

    Exits 1 when something needs fixing. A check that finds everything working ends a wait for credentials."""
    report = check_channel(STATE.db(), STATE.scope(), code)
    if as_json:
        print_json(report)
    else:
        console.print(f"[bold]{report.channel}[/] ({report.kind}): {report.summary}")
        for item in report.checks:
            mark = "[green]ok[/]  " if item.ok else "[red]FIX[/] "
            console.print(f"  {mark} {item.name}: {item.detail}")
            if item.fix:
                console.print(f"        → {item.fix}")
        if report.resumed:
            console.print("  the channel was waiting for its credentials: it syncs again now")
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(channel_app, name="channel")
