"""Reconciliation (read back every listing, report drift = channel ≠ last pushed, heal it) and the
per-channel sync status the CLI and the dashboard show."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, select, update

from truecount.adapters.channels import POLLING_KINDS
from truecount.adapters.channels.base import AuthFailed, ChannelUnavailable, Connector
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.sync import listing_sync, push_queue
from truecount.domain.errors import ChannelRefused, ChannelUnreachable, InvalidInput
from truecount.services.channels.setup import Channel, load_channel
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.sync import leases
from truecount.services.sync import ports as sync_ports
from truecount.services.sync import push_queue as sync_queue
from truecount.services.sync.connectors import build_connector
from truecount.services.sync.ingest import poll_orders
from truecount.services.sync.push import PUSH_KINDS, drain


@dataclass(frozen=True)
class Drift:
    sku: str
    external_ref: str
    pushed: int | None
    channel: int | None


@dataclass(frozen=True)
class Reconciled:
    """A channel read back: its listings, how many were read (pushed before) and never pushed, the drift
    found, whether it was healed and (``pushed``) how many healing pushes went out at once."""

    channel: str
    listings: int
    read: int
    never_pushed: int
    drift: list[Drift]
    healed: bool
    pushed: int | None = None


def reconcile_channel(db: Database, scope: Scope, channel: Channel, connector: Connector, *, heal: bool) -> Reconciled:
    """Read back every listing of a channel; drift is a listing whose channel value differs from what
    was last pushed. Healing re-queues the last pushed value (unless a newer one is already queued).

    A polling channel's orders are polled *after* the read-back: a sale the channel made before we
    read it is then booked (its newer value queued) before we compare, so it is not taken for drift
    and "healed" back to the old quantity."""
    m = scope.merchant_id
    with db.read() as conn:
        listings = sync_ports.directory().of_channel(conn, m, channel.id)
        pushed = _pushed(conn, m, channel.id)
    known = [item for item in listings if item.listing_id in pushed and item.external_ref]
    values = connector.read_back([item.external_ref for item in known]) if known else {}
    if channel.kind in POLLING_KINDS:
        poll_orders(db, scope, channel, connector)
    drift = []
    now = db_time(utcnow())
    with db.write() as conn:  # what was pushed and what is queued now, after the read-back and the poll
        pushed = _pushed(conn, m, channel.id)
        queued = set(
            conn.execute(
                select(push_queue.c.listing_id).where(
                    push_queue.c.merchant_id == m, push_queue.c.channel_id == channel.id
                )
            ).scalars()
        )
        known = [item for item in known if item.listing_id in pushed]
        for item in known:
            seen = values.get(item.external_ref)
            conn.execute(
                update(listing_sync)
                .where(listing_sync.c.merchant_id == m, listing_sync.c.listing_id == item.listing_id)
                .values(channel_quantity=seen, read_at=now)
            )
            last = pushed[item.listing_id]
            if seen != last:
                drift.append(Drift(item.sku, item.external_ref, last, seen))
                if heal and item.listing_id not in queued and last is not None:
                    sync_queue.enqueue(conn, m, item.listing_id, channel.id, int(last), if_queued="leave")
    return Reconciled(channel.code, len(listings), len(known), len(listings) - len(known), drift, heal)


def _pushed(conn: Connection, m: int, channel_id: int) -> dict[int, int | None]:
    rows = conn.execute(
        select(listing_sync.c.listing_id, listing_sync.c.pushed_quantity).where(
            listing_sync.c.merchant_id == m, listing_sync.c.channel_id == channel_id
        )
    )
    return {int(r.listing_id): r.pushed_quantity for r in rows}


def reconcile(
    db: Database, scope: Scope, channel_code: str | None = None, *, heal: bool = True, push_now: bool = True
) -> list[Reconciled]:
    """Reconcile one channel or every pushable one; with ``push_now`` the healing pushes go out at once."""
    with db.read() as conn:
        codes = [channel_code] if channel_code else _pushable(conn, scope.merchant_id)
        loaded = [load_channel(conn, scope.merchant_id, code) for code in codes]
    reports = []
    for channel in loaded:
        if channel.kind not in PUSH_KINDS:
            raise InvalidInput(
                f"{channel.kind} channels are not pushed, so there is nothing to reconcile", field="channel"
            )
        try:
            connector = build_connector(db, scope.merchant_id, channel)  # buckets shared with the worker
            try:
                report = reconcile_channel(db, scope, channel, connector, heal=heal)
                if heal and push_now and report.drift:
                    worker_id = leases.new_worker_id()
                    report = replace(report, pushed=drain(db, scope, channel, connector, worker_id, lease_s=300.0))
            finally:
                connector.close()
        except AuthFailed as error:
            hint = f"fix them, then `truecount channel check {channel.code}`"
            raise ChannelRefused(f"{channel.code} refused the credentials: {error}; {hint}", field="channel") from None
        except ChannelUnavailable as error:
            raise ChannelUnreachable(f"{channel.code} did not answer usefully: {error}", field="channel") from None
        reports.append(report)
    return reports


def _pushable(conn: Any, merchant_id: int) -> list[str]:
    rows = conn.execute(
        select(channels.c.code)
        .where(channels.c.merchant_id == merchant_id, channels.c.kind.in_(PUSH_KINDS))
        .order_by(channels.c.code)
    )
    return [str(code) for code in rows.scalars()]
