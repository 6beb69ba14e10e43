"""``truecount feed add|run|list|show``: supplier feeds on a schedule and their runs; and ``feed set``
(also ``feed SKU QUANTITY --at LOC``, as before): one supplier figure recorded by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from truecount.domain.errors import InvalidInput
from truecount.domain.feeds import AddFeed, folders_of
from truecount.services.feeds import records
from truecount.services.feeds.records import Feed, FeedRun
from truecount.services.feeds.run import run_feed

from . import stock_cmd
from .common import STATE, console, err_console, print_json, translate_errors

HELP = "Supplier feeds on a schedule (add, run, list, show); feed SKU QUANTITY --at LOC records one figure."
JSON_HELP = "Print the result as JSON."


class FeedGroup(TyperGroup):
    """``feed`` with subcommands; a first word that is none of them is ``feed set``'s SKU (the one-SKU
    form that came first: ``feed SNK 20 --at DS-ACME``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["set", *args]
        return super().parse_args(ctx, args)


feed_app = typer.Typer(cls=FeedGroup, help=HELP, no_args_is_help=True)


def register(app: typer.Typer) -> None:
    feed_app.command("set", context_settings={"ignore_unknown_options": True})(translate_errors(stock_cmd.feed))
    app.add_typer(feed_app, name="feed")


@feed_app.command("add")
@translate_errors
def feed_add(
    supplier: str = typer.Argument(..., help="The supplier's code."),
    source: str = typer.Option(
        ...,
        "--from",
        help="A file or folder path (a glob narrows it), sftp://user@host:port/path or an http(s):// URL.",
    ),
    every: str | None = typer.Option(None, "--every", help="Run every 60m, 2h… (5m to 168h)."),
    at: str | None = typer.Option(None, "--at", help="Run at HH:MM[,HH:MM] UTC instead."),
    mapping: list[str] = typer.Option(
        [], "--map", help="col=field, field one of supplier_sku, sku, quantity, cost, discontinued (repeat)."
    ),
    fmt: str | None = typer.Option(None, "--format", help="csv or xlsx (default: from the file name)."),
    drop_when_stale: bool = typer.Option(
        False, "--drop-when-stale", help="While the feed is stale, its location leaves every channel's pool."
    ),
    stale_after: str | None = typer.Option(
        None, "--stale-after", help="Stale after this long without a good run (default: twice the interval)."
    ),
    password: str | None = typer.Option(None, "--password", help="SFTP or HTTP password (stored sealed)."),
    key_file: Path | None = typer.Option(None, "--key-file", help="SFTP: a private key file (stored sealed)."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Give a supplier a feed (or replace its feed): where its file comes from, how its columns map, when."""
    private_key = None
    if key_file is not None:
        try:
            private_key = key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as bad:
            raise InvalidInput(f"{key_file} cannot be read: {bad}", field="key_file") from None
    cmd = AddFeed(supplier, source, list(mapping), every, at, fmt, drop_when_stale, stale_after, password, private_key)
    feed = records.add_feed(STATE.db(), STATE.scope(), cmd, key, folders=_folders())
    if as_json:
        print_json(feed)
        return
    verb = "added" if feed.created else "changed"
    console.print(
        f"{verb} the feed of {feed.supplier}: {feed.source}, {_schedule(feed)}; next run {feed.next_due_at}",
        soft_wrap=True,
    )


@feed_app.command("run")
@translate_errors
def feed_run(
    supplier: str = typer.Argument(..., help="The supplier's code."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Run a supplier's feed now; exit 1 when it was refused or failed (nothing changed)."""
    run = run_feed(STATE.db(), STATE.scope(), supplier, folders=_folders())
    if as_json:
        print_json(run)
    else:
        console.print(_run_text(run), highlight=False, soft_wrap=True)
        for refused in run.refused:
            err_console.print(f"row {refused.row}, column {refused.column}: {refused.reason}", highlight=False)
    if run.outcome in ("refused", "failed"):
        raise typer.Exit(1)


@feed_app.command("list")
@translate_errors
def feed_list(as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Every supplier feed with its last run."""
    feeds = records.list_feeds(STATE.db(), STATE.scope())
    if as_json:
        print_json(feeds)
        return
    table = Table("supplier", "source", "schedule", "state", "last run", title=f"{len(feeds)} feed(s)")
    for feed in feeds:
        table.add_row(
            feed.supplier, feed.source, _schedule(feed), _state(feed), _run_text(feed.runs[0]) if feed.runs else "-"
        )
    console.print(table)


@feed_app.command("show")
@translate_errors
def feed_show(
    supplier: str = typer.Argument(..., help="The supplier's code."),
    runs: int = typer.Option(20, "--runs", min=1, max=100, help="How many runs to list, newest first."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """A supplier's feed and its runs, newest first, with the rows each refused."""
    feed = records.get_feed(STATE.db(), STATE.scope(), supplier, runs)
    if as_json:
        print_json(feed)
        return
    mapped = ", ".join(f"{c}={f}" for c, f in feed.mapping.items())
    source = f"{feed.supplier}: {feed.source} ({feed.format or 'format from the file name'}), {_schedule(feed)}"
    console.print(source, highlight=False, soft_wrap=True)
    console.print(f"map {mapped}; secret {feed.secret or 'none'}; {_state(feed)}", highlight=False, soft_wrap=True)
    console.print(
        f"next run {feed.next_due_at}; last good run {feed.last_good_at or 'never'}", highlight=False, soft_wrap=True
    )
    table = Table("started", "trigger", "outcome", "file", "read", "changed", "movements", "refused / error")
    for run in feed.runs:
        said = "; ".join(f"row {r.row} {r.column}: {r.reason}" for r in run.refused) or run.error or ""
        table.add_row(
            run.started_at[:19], run.trigger, run.outcome, run.file or "", str(run.rows_read), str(run.rows_changed),
            str(run.movements), said,
        )  # fmt: skip
    console.print(table)


def _folders() -> list[str]:
    from truecount.settings import get_settings  # for cost: only feed add and run read the full settings

    return folders_of(get_settings().feed_folders)


def _schedule(feed: Feed) -> str:
    every = f"every {feed.every}" if feed.every else f"at {feed.at} UTC"
    return every + (", dropped from channel pools when stale" if feed.drop_when_stale else "")


def _state(feed: Feed) -> str:
    if not feed.stale:
        return "fresh"
    return f"stale ({feed.stale_reason})" + (": out of the channel pools" if feed.dropped else "")


def _run_text(run: FeedRun) -> str:
    head = f"{run.outcome}: {run.file or '-'}, {run.rows_read} row(s) read, {run.rows_changed} changed"
    head += f", {run.movements} movement(s)"
    if run.refused:
        head += f", {len(run.refused)} refused"
    return head + (f" ({run.error})" if run.error else "")
