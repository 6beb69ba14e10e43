"""The sync worker: runner threads per channel, so a failing or slow channel never holds the others, and
a channel's order polling never holds back its pushes (nor the other way round).

Each channel that is pushed has a ``push`` runner; Amazon and eBay also have an ``orders`` runner. In a
loop until stopped:

- push, ``immediate`` channels: claims due queue rows (up to the connector's batch size) and pushes them;
- push, ``interval`` channels: once every ``push_interval_s`` (one worker of many takes the turn), drains
  the queue in batches (a feed on Amazon);
- push, every loop: sends a batch of the channel's due fulfilments (``fulfilment_push``), whatever the
  channel's push policy;
- push, every ``reconcile_interval_s`` (config, default 0 = never): reconciles the channel;
- orders (Amazon, eBay): every ``order_poll_s`` (config, default 60) polls orders.

Both runners' connectors share the channel's rate buckets through the database (``sync.buckets``), so
a poll that spent its own operation's quota never delays a push, and a rebuilt connector starts from
what was spent. A channel whose push fails as a whole (5xx, 429s, timeouts after retries) is paused with
backoff and jitter; the rows it had claimed go back to the queue with their own backoff. A channel whose
credentials are refused is paused as a whole until its settings change (``sync.state``): its rows wait,
due at once when it resumes. An unreachable channel is logged in one line when it starts failing (and
when the reason changes), never with a traceback; every wait ends as soon as the worker is told to stop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from truecount.adapters.channels import POLLING_KINDS
from truecount.adapters.channels.base import AuthFailed, ChannelUnavailable, Connector, Stopped
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import channels
from truecount.services.channels.setup import Channel, load_channel
from truecount.services.common.scope import Scope
from truecount.services.sync import ingest as sync_ingest
from truecount.services.sync import leases
from truecount.services.sync import push_queue as sync_queue
from truecount.services.sync import state as sync_state
from truecount.services.sync.connectors import build_connector, config_fingerprint
from truecount.services.sync.fulfilment_push import push_fulfilments
from truecount.services.sync.push import PUSH_KINDS, batch_size, drain, push_once
from truecount.services.sync.reconcile import reconcile_channel

log = logging.getLogger("truecount.sync")
ROLES = ("push", "orders")


@dataclass(frozen=True)
class WorkerOptions:
    poll_interval_s: float = 0.5  # how long an idle runner waits before looking again
    lease_s: float = 60.0  # how long a claim holds a queue row (longer than one send with its retries)
    channel_refresh_s: float = 5.0  # how often the worker looks for new channels
    merchant_id: int | None = None  # only this merchant's channels (None: every merchant)
    join_s: float = 2.0  # how long stopping waits for the runners (their waits end at once)


class ChannelRunner:
    """One role (``push`` or ``orders``) for one channel, in its own thread."""

    def __init__(
        self,
        db: Database,
        merchant_id: int,
        channel_code: str,
        worker_id: str,
        options: WorkerOptions,
        stop: threading.Event,
        role: str = "push",
    ) -> None:
        self.db = db
        self.scope = Scope(merchant_id, f"sync:{channel_code}")
        self.code = channel_code
        self.worker_id = worker_id
        self.options = options
        self.stop = stop
        self.role = role
        self.told: str | None = None  # the failure last logged (the same one is not logged again)
        self.answered = False  # the last step had an answer from the channel (so a failure is over)
        self.thread = threading.Thread(target=self.run, name=f"sync-{channel_code}-{role}", daemon=True)

    def run(self) -> None:
        connector: Connector | None = None
        loaded: Channel | None = None
        while not self.stop.is_set():
            seen = sync_queue.NUDGE.generation()  # before looking: a push queued after this wakes us
            busy = False
            try:
                with self.db.read() as conn:
                    channel = load_channel(conn, self.scope.merchant_id, self.code)
                if "base_url" not in channel.config:
                    # Not connected yet (e.g. the demo's channels): its pushes wait in the queue.
                    self._tell("not connected", "has no base_url in its config: not connected, pushes stay queued")
                    self.stop.wait(self.options.channel_refresh_s)
                    continue
                if connector is None or channel != loaded:
                    if connector is not None:
                        connector.close()
                        connector = None
                    loaded = channel
                    connector = build_connector(self.db, self.scope.merchant_id, channel, stop=self.stop)
                busy = self.step(channel, connector)
                if self.answered:
                    self._recovered()
            except Stopped:
                break
            except AuthFailed as error:
                if loaded is not None:
                    fingerprint = config_fingerprint(loaded)
                    sync_state.credentials_failed(self.db, self.scope.merchant_id, loaded.id, str(error), fingerprint)
                self._tell(f"auth:{error}", f"credentials refused, the channel waits until they are fixed: {error}")
            except ChannelUnavailable as error:
                if loaded is not None:
                    sync_state.failed(self.db, self.scope.merchant_id, loaded.id, str(error))
                self._tell(f"down:{error}", f"unavailable (retried with backoff): {error}")
            except Exception as error:  # keep the runner alive; the failure is recorded and backed off
                log.exception("sync runner %s (%s) failed", self.code, self.role)
                if loaded is not None:
                    sync_state.failed(self.db, self.scope.merchant_id, loaded.id, f"{type(error).__name__}: {error}")
            if busy:
                continue
            if loaded is not None and loaded.push == "immediate" and self.role == "push":
                sync_queue.NUDGE.wait(seen, self.options.poll_interval_s)
            else:
                self.stop.wait(self.options.poll_interval_s)
        if connector is not None:
            connector.close()

    def _tell(self, what: str, message: str) -> None:
        """One log line per failure as it starts (or changes), not one per try."""
        if self.told != what:
            log.warning("channel %s (%s): %s", self.code, self.role, message)
            self.told = what

    def _recovered(self) -> None:
        if self.told is not None and self.told != "not connected":
            log.info("channel %s (%s): working again", self.code, self.role)
        self.told = None

    def step(self, channel: Channel, connector: Connector) -> bool:
        """One turn of the role; sets ``answered`` when the channel answered a call (a failure would raise)."""
        m = self.scope.merchant_id
        self.answered = False
        if sync_state.paused(self.db, m, channel.id, config_fingerprint(channel)):
            return False
        if self.role == "orders":
            poll_s = float(channel.config.get("order_poll_s", 60.0))
            if sync_state.take_turn(self.db, m, channel.id, "last_poll_at", poll_s):
                sync_ingest.poll_orders(self.db, self.scope, channel, connector)
                self.answered = True
            return False
        busy = False
        if channel.push == "immediate":
            limit = batch_size(connector)
            lease_s = self.options.lease_s
            busy = push_once(self.db, self.scope, channel, connector, self.worker_id, limit=limit, lease_s=lease_s) > 0
        elif sync_state.take_turn(self.db, m, channel.id, "last_batch_at", channel.push_interval_s):
            busy = drain(self.db, self.scope, channel, connector, self.worker_id, self.options.lease_s) > 0
        sent = push_fulfilments(self.db, self.scope, channel, connector, self.worker_id, lease_s=self.options.lease_s)
        reconcile_s = float(channel.config.get("reconcile_interval_s", 0) or 0)
        if reconcile_s > 0 and sync_state.take_turn(self.db, m, channel.id, "last_reconcile_at", reconcile_s):
            reconcile_channel(self.db, self.scope, channel, connector, heal=True)
            self.answered = True
        self.answered = self.answered or busy or sent > 0
        return (busy if channel.push == "immediate" else False) or sent > 0


class Worker:
    """Runs a :class:`ChannelRunner` per role of every pushable channel of every merchant until ``stop``."""

    def __init__(self, db: Database, options: WorkerOptions | None = None, stop: threading.Event | None = None) -> None:
        self.db = db
        self.options = options or WorkerOptions()
        self.stop = stop or threading.Event()
        self.worker_id = leases.new_worker_id()
        self.runners: dict[tuple[int, str, str], ChannelRunner] = {}

    def refresh(self) -> None:
        query = select(channels.c.merchant_id, channels.c.code, channels.c.kind).where(
            channels.c.active, channels.c.kind.in_(PUSH_KINDS)
        )
        if self.options.merchant_id is not None:
            query = query.where(channels.c.merchant_id == self.options.merchant_id)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        for merchant_id, code, kind in rows:
            for role in ROLES if kind in POLLING_KINDS else ROLES[:1]:
                key = (int(merchant_id), str(code), role)
                if key not in self.runners:
                    runner = ChannelRunner(self.db, key[0], key[1], self.worker_id, self.options, self.stop, role)
                    self.runners[key] = runner
                    runner.thread.start()

    def run(self) -> None:
        """Run until stopped (the calling thread watches for new channels)."""
        while not self.stop.is_set():
            try:
                self.refresh()
            except Exception:
                log.exception("sync worker could not list channels")
            self.stop.wait(self.options.channel_refresh_s)
        sync_queue.NUDGE.notify()  # idle runners wake and see the stop
        deadline = time.monotonic() + self.options.join_s
        for runner in self.runners.values():
            runner.thread.join(timeout=max(0.0, deadline - time.monotonic()))


def start_in_background(db: Database, options: WorkerOptions | None = None) -> Callable[[], None]:
    """Start a worker in a daemon thread; the returned function stops it and waits for it."""
    worker = Worker(db, options)
    thread = threading.Thread(target=worker.run, name="sync-worker", daemon=True)
    thread.start()

    def stop() -> None:
        worker.stop.set()
        sync_queue.NUDGE.notify()  # idle runners wake and see the stop
        thread.join(timeout=worker.options.join_s + 1)

    return stop
