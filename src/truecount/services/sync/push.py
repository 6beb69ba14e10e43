"""Push what is due for one channel: claim queued rows, send them through the connector, record each
answer. The worker's runners and ``reconcile`` both push through here.

A channel-wide failure puts the claims back and is raised for the caller to record: with backoff when
the channel is unavailable; due at once when the worker stops or the channel refused the credentials
(the rows go out as soon as that is fixed: the channel waits as a whole, not each listing)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from truecount.adapters.channels import POLLING_KINDS, WEBHOOK_KINDS
from truecount.adapters.channels.base import AuthFailed, ChannelUnavailable, Connector, PushItem, Stopped
from truecount.adapters.db.engine import Database
from truecount.services.channels.setup import Channel
from truecount.services.common.scope import Scope
from truecount.services.sync import leases, ports
from truecount.services.sync import state as sync_state

PUSH_KINDS = (*WEBHOOK_KINDS, *POLLING_KINDS)


def push_once(
    db: Database, scope: Scope, channel: Channel, connector: Connector, worker_id: str, *, limit: int, lease_s: float
) -> int:
    """Claim up to ``limit`` due rows of one channel and push them; returns how many were claimed."""
    claims = leases.claim(db, scope.merchant_id, channel.id, worker_id, limit=limit, lease_s=lease_s)
    if not claims:
        return 0
    sendable = [c for c in claims if c.external_ref]
    failed: dict[int, tuple[str, bool]] = {
        c.listing_id: ("the listing has no channel reference", False) for c in claims if not c.external_ref
    }
    items = [
        PushItem(c.external_ref, c.quantity, c.last_pushed, c.push_key, c.detail, c.price, c.sku) for c in sendable
    ]
    try:
        results = connector.push(items) if items else []
    except ChannelUnavailable as error:
        leases.release(db, scope.merchant_id, worker_id, claims, str(error), 0)
        raise
    except (AuthFailed, Stopped) as error:
        leases.release(db, scope.merchant_id, worker_id, claims, str(error), 0, backoff=False)
        raise
    learned: dict[int, Mapping[str, Any]] = {}
    for claim, result in zip(sendable, results, strict=True):
        if not result.ok:
            failed[claim.listing_id] = (result.error or "refused", result.retryable)
        if result.learned:
            learned[claim.listing_id] = result.learned
    if learned:  # ids the connector looked up (an eBay offer, a Shopify variant): not looked up again
        with db.write() as conn:
            ports.directory().remember(conn, scope.merchant_id, learned)
    leases.complete(db, scope.merchant_id, channel.id, worker_id, claims, failed)
    return len(claims)


def drain(db: Database, scope: Scope, channel: Channel, connector: Connector, worker_id: str, lease_s: float) -> int:
    """Push everything due for a channel now, batch after batch."""
    total = 0
    while True:
        claimed = push_once(db, scope, channel, connector, worker_id, limit=batch_size(connector), lease_s=lease_s)
        total += claimed
        if claimed == 0 or sync_state.paused(db, scope.merchant_id, channel.id):
            return total


def batch_size(connector: Connector) -> int:
    """How many rows one send takes: the connector's own limit, within 1…5,000."""
    return max(1, min(int(connector.batch_limit), 5000))
