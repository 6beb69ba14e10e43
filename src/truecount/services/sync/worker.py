"""The sync worker: one runner thread per channel, so a failing or slow channel never holds the others.

Each runner, in a loop until stopped:

- ``immediate`` channels: claims due queue rows (up to the connector's batch size) and pushes them;
- ``interval`` channels: once every ``push_interval_s`` (one worker of many takes the turn), drains
  the queue in batches (a feed on Amazon);
- polling channels (Amazon, eBay): every ``order_poll_s`` (config, default 60) polls orders;
- every ``reconcile_interval_s`` (config, default 0 = never) reconciles the channel.

A channel whose push fails as a whole (5xx, 429s, timeouts after retries) is paused with backoff
and jitter; the rows it had claimed go back to the queue with their own backoff.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from truecount.adapters.channels import POLLING_KINDS, connector_for
from truecount.adapters.channels.base import Connector
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import channels
from truecount.services.channels.setup import Channel, load_channel
from truecount.services.common.scope import Scope
from truecount.services.sync import ingest as sync_ingest
from truecount.services.sync import push_queue as sync_queue
from truecount.services.sync import state as sync_state
from truecount.services.sync.push import PUSH_KINDS, batch_size, drain, push_once
from truecount.services.sync.reconcile import reconcile_channel

log = logging.getLogger("truecount.sync")


@dataclass(frozen=True)
class WorkerOptions:
    poll_interval_s: float = 0.5  # how long an idle runner waits before looking again
    lease_s: float = 60.0  # how long a claim holds a queue row (longer than one send with its retries)
    channel_refresh_s: float = 5.0  # how often the worker looks for new channels
    merchant_id: int | None = None  # only this merchant's channels (None: every merchant)


class ChannelRunner:
    def __init__(
        self,
        db: Database,
        merchant_id: int,
        channel_code: str,
        worker_id: str,
        options: WorkerOptions,
        stop: threading.Event,
    ) -> None:
        self.db = db
        self.scope = Scope(merchant_id, f"sync:{channel_code}")
        self.code = channel_code
        self.worker_id = worker_id
        self.options = options
        self.stop = stop
        self.thread = threading.Thread(target=self.run, name=f"sync-{channel_code}", daemon=True)

    def run(self) -> None:
        connector: Connector | None = None
        loaded: Channel | None = None
        told_unconnected = False
        while not self.stop.is_set():
            seen = sync_queue.NUDGE.generation()  # before looking: a push queued after this wakes us
            try:
                with self.db.read() as conn:
                    channel = load_channel(conn, self.scope.merchant_id, self.code)
                if "base_url" not in sync_ingest.connector_config(channel):
                    # Not connected yet (e.g. the demo's channels): its pushes wait in the queue.
                    if not told_unconnected:
                        log.warning(
                            "channel %s has no base_url in its config: not connected, pushes stay queued", channel.code
                        )
                        told_unconnected = True
                    self.stop.wait(self.options.channel_refresh_s)
                    continue
                told_unconnected = False
                if connector is None or channel != loaded:
                    if connector is not None:
                        connector.close()
                    connector = connector_for(channel.kind, sync_ingest.connector_config(channel))
                    loaded = channel
                busy = self.step(channel, connector)
            except Exception as error:  # keep the runner alive; the failure is recorded and backed off
                log.exception("sync runner %s failed", self.code)
                if loaded is not None:
                    sync_state.failed(self.db, self.scope.merchant_id, loaded.id, f"{type(error).__name__}: {error}")
                busy = False
            if busy:
                continue
            if loaded is not None and loaded.push == "immediate":
                sync_queue.NUDGE.wait(seen, self.options.poll_interval_s)
            else:
                self.stop.wait(self.options.poll_interval_s)
        if connector is not None:
            connector.close()

    def step(self, channel: Channel, connector: Connector) -> bool:
        m = self.scope.merchant_id
        busy = False
        if channel.kind in POLLING_KINDS:
            poll_s = float(channel.config.get("order_poll_s", 60.0))
            if sync_state.take_turn(self.db, m, channel.id, "last_poll_at", poll_s):
                sync_ingest.poll_orders(self.db, self.scope, channel, connector)
        if sync_state.paused(self.db, m, channel.id):
            return False
        if channel.push == "immediate":
            busy = (
                push_once(
                    self.db,
                    self.scope,
                    channel,
                    connector,
                    self.worker_id,
                    limit=batch_size(connector),
                    lease_s=self.options.lease_s,
                )
                > 0
            )
        elif sync_state.take_turn(self.db, m, channel.id, "last_batch_at", channel.push_interval_s):
            drain(self.db, self.scope, channel, connector, self.worker_id, self.options.lease_s)
        reconcile_s = float(channel.config.get("reconcile_interval_s", 0) or 0)
        if reconcile_s > 0 and sync_state.take_turn(self.db, m, channel.id, "last_reconcile_at", reconcile_s):
            reconcile_channel(self.db, self.scope, channel, connector, heal=True)
        return busy


class Worker:
    """Runs a :class:`ChannelRunner` per pushable channel of every merchant until ``stop`` is set."""

    def __init__(self, db: Database, options: WorkerOptions | None = None, stop: threading.Event | None = None) -> None:
        self.db = db
        self.options = options or WorkerOptions()
        self.stop = stop or threading.Event()
        self.worker_id = sync_queue.new_worker_id()
        self.runners: dict[tuple[int, str], ChannelRunner] = {}

    def refresh(self) -> None:
        query = select(channels.c.merchant_id, channels.c.code).where(
            channels.c.active, channels.c.kind.in_(PUSH_KINDS)
        )
        if self.options.merchant_id is not None:
            query = query.where(channels.c.merchant_id == self.options.merchant_id)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        for merchant_id, code in rows:
            key = (int(merchant_id), str(code))
            if key not in self.runners:
                runner = ChannelRunner(self.db, key[0], key[1], self.worker_id, self.options, self.stop)
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
        for runner in self.runners.values():
            runner.thread.join(timeout=30)


def start_in_background(db: Database, options: WorkerOptions | None = None) -> Callable[[], None]:
    """Start a worker in a daemon thread; the returned function stops it and waits for it."""
    worker = Worker(db, options)
    thread = threading.Thread(target=worker.run, name="sync-worker", daemon=True)
    thread.start()

    def stop() -> None:
        worker.stop.set()
        sync_queue.NUDGE.notify()  # idle runners wake and see the stop
        thread.join(timeout=60)

    return stop
