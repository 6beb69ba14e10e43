"""Add (or replace) a supplier's feed; list feeds and show one with its runs.

A password or private key is sealed as channel secrets are (:mod:`truecount.services.channels.secrets`)
and never shown: views carry ``secret: "****"`` at most.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.feeds import supplier_feed_runs, supplier_feeds
from truecount.adapters.db.tables.suppliers import suppliers
from truecount.domain import feeds as rules
from truecount.domain.errors import InvalidInput, NotFound
from truecount.domain.feeds import AddFeed
from truecount.services.channels.secrets import MASK, vault
from truecount.services.common.idempotency import run_once
from truecount.services.common.scope import Scope, as_utc, db_time, utcnow

RUNS_SHOWN = 20


@dataclass(frozen=True, slots=True)
class Refusal:
    """A row the run refused: its number (header = 1), the file's column, why."""

    row: int
    column: str
    reason: str


@dataclass(frozen=True, slots=True)
class FeedRun:
    """One run's result. ``outcome``: applied (something changed), unchanged, not_modified (HTTP 304),
    no_new_file (a folder's newest file was read already), empty, refused (nothing changed: see
    ``refused``) or failed (the source could not be read: see ``error``)."""

    id: int
    supplier: str
    trigger: str
    outcome: str
    file: str | None
    rows_read: int
    rows_changed: int
    movements: int
    refused: list[Refusal]
    error: str | None
    started_at: str
    finished_at: str


@dataclass(frozen=True, slots=True)
class Feed:
    """A supplier's feed as shown: never its secret (``secret`` is ``****`` when one is stored)."""

    supplier: str
    source: str
    format: str | None
    mapping: dict[str, str]
    every: str | None
    at: str | None
    stale_after_s: int | None
    drop_when_stale: bool
    secret: str | None
    host_key: str | None
    stale: bool
    stale_reason: str | None
    dropped: bool
    next_due_at: str
    last_good_at: str | None
    runs: list[FeedRun] = field(default_factory=list)
    created: bool = False
    replayed: bool = False


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def resolved_folders(folders: Sequence[str]) -> list[str]:
    """The folders local feeds may read, resolved (links followed), as the checks compare them."""
    return [str(Path(f).resolve()) for f in folders]


def check_local_source(source: str, folders: Sequence[str]) -> None:
    """A local source (its folder, for a glob) must resolve inside ``folders``."""
    path = Path(source)
    where = path.parent if any(c in path.name for c in "*?[") else path
    rules.check_local(source, str(where.resolve()), resolved_folders(folders))


def validate(cmd: AddFeed, folders: Sequence[str]) -> tuple[rules.Source, dict[str, str], int | None]:
    """The source, the mapping and ``stale_after`` in seconds; every refusal names its field. A local
    path must lie inside ``folders`` (the setting ``feed_folders``)."""
    source = rules.parse_source(cmd.source)
    if source.kind == "path":
        check_local_source(source.shown, folders)
    mapping = rules.parse_mapping(cmd.mapping or rules.default_mapping())
    rules.check_schedule(cmd.every, cmd.at)
    if cmd.format is not None and cmd.format not in rules.FORMATS:
        raise InvalidInput(f"{cmd.format!r} must be one of {', '.join(rules.FORMATS)}", field="format")
    if cmd.private_key is not None and source.kind != "sftp":
        raise InvalidInput("only an sftp:// source takes a private key", field="private_key")
    if (cmd.password is not None or source.password is not None) and source.kind == "path":
        raise InvalidInput("a local path takes no password", field="password")
    stale_after = None if cmd.stale_after is None else rules.parse_every(cmd.stale_after, "stale_after")
    return source, mapping, stale_after


def add_feed(db: Database, scope: Scope, cmd: AddFeed, key: str | None = None, *, folders: Sequence[str]) -> Feed:
    """Give ``cmd.supplier`` a feed, or replace the one it has (its runs stay; a new source is read
    afresh). It is due at once. ``folders``: where a local source may lie (the setting ``feed_folders``)."""
    source, mapping, stale_after = validate(cmd, folders)
    password = cmd.password if cmd.password is not None else source.password
    secret = {k: v for k, v in (("password", password), ("private_key", cmd.private_key)) if v}
    # the secret enters the idempotency payload as a digest only (a key reused with another password conflicts)
    digest = hashlib.sha256(json.dumps(secret, sort_keys=True).encode()).hexdigest() if secret else None
    payload = {"add_feed": asdict(replace(cmd, password=None, private_key=None)), "secret": digest}

    def act(conn: Connection) -> Feed:
        m = scope.merchant_id
        supplier_id = supplier_of(conn, m, cmd.supplier)
        now = db_time(utcnow())
        values: dict[str, Any] = {
            "source": source.shown,
            "format": cmd.format,
            "mapping": json.dumps(mapping),
            "every": cmd.every.strip() if cmd.every else None,
            "at_times": ",".join(f"{t // 60:02d}:{t % 60:02d}" for t in rules.parse_at(cmd.at)) if cmd.at else None,
            "stale_after_s": stale_after,
            "drop_when_stale": cmd.drop_when_stale,
            "secret": vault().seal(json.dumps(secret)) if secret else None,
            "next_due_at": now,
        }
        old = conn.execute(
            select(supplier_feeds.c.id, supplier_feeds.c.source).where(
                supplier_feeds.c.merchant_id == m, supplier_feeds.c.supplier_id == supplier_id
            )
        ).first()
        if old is None:
            conn.execute(
                insert(supplier_feeds).values(
                    merchant_id=m, supplier_id=supplier_id, stale=False, created_at=now, **values
                )
            )
        else:
            if old.source != source.shown:  # another place: nothing known of it yet
                values |= {"etag": None, "last_modified": None, "last_file": None, "host_key": None}
            conn.execute(update(supplier_feeds).where(supplier_feeds.c.id == old.id).values(**values))
        return replace(load_feed(conn, m, cmd.supplier), created=old is None)

    with db.write() as conn:
        return run_once(conn, scope.merchant_id, key, payload, lambda: act(conn), Feed)


def supplier_of(conn: Connection, m: int, code: str) -> int:
    found = conn.execute(select(suppliers.c.id).where(suppliers.c.merchant_id == m, suppliers.c.code == code)).scalar()
    if found is None:
        raise NotFound(f"no supplier with code {code!r}", field="supplier")
    return int(found)


_FEED = select(supplier_feeds, suppliers.c.code.label("supplier")).join(
    suppliers, suppliers.c.id == supplier_feeds.c.supplier_id
)


def _view(r: Any, runs: list[FeedRun]) -> Feed:
    return Feed(
        r.supplier, r.source, r.format, json.loads(r.mapping), r.every, r.at_times, r.stale_after_s,
        bool(r.drop_when_stale), MASK if r.secret else None, r.host_key, bool(r.stale), r.stale_reason,
        r.dropped is not None, iso(r.next_due_at) or "", iso(r.last_good_at), runs,
    )  # fmt: skip


def load_feed(conn: Connection, m: int, supplier: str, runs: int = RUNS_SHOWN) -> Feed:
    """One supplier's feed with its newest ``runs`` runs; none is :class:`NotFound` naming ``supplier``."""
    r = conn.execute(_FEED.where(supplier_feeds.c.merchant_id == m, suppliers.c.code == supplier)).first()
    if r is None:
        raise NotFound(f"supplier {supplier!r} has no feed", field="supplier")
    return _view(r, runs_of(conn, m, [int(r.id)], runs).get(int(r.id), []))


def get_feed(db: Database, scope: Scope, supplier: str, runs: int = RUNS_SHOWN) -> Feed:
    with db.read() as conn:
        return load_feed(conn, scope.merchant_id, supplier, runs)


def list_feeds(db: Database, scope: Scope) -> list[Feed]:
    """Every feed of the merchant by supplier code, each with its last run."""
    with db.read() as conn:
        rows = conn.execute(
            _FEED.where(supplier_feeds.c.merchant_id == scope.merchant_id).order_by(suppliers.c.code)
        ).all()
        last = runs_of(conn, scope.merchant_id, [int(r.id) for r in rows], 1)
    return [_view(r, last.get(int(r.id), [])) for r in rows]


def list_runs(db: Database, scope: Scope, supplier: str, limit: int = 100) -> list[FeedRun]:
    """A feed's runs, newest first."""
    return get_feed(db, scope, supplier, limit).runs


def runs_of(conn: Connection, m: int, feed_ids: list[int], each: int) -> dict[int, list[FeedRun]]:
    """The newest ``each`` runs of every feed, newest first."""
    if not feed_ids:
        return {}
    r, f = supplier_feed_runs.c, supplier_feeds.c  # one statement a feed: a merchant has few
    found: dict[int, list[FeedRun]] = {}
    for feed_id in feed_ids:
        rows = conn.execute(
            select(supplier_feed_runs, suppliers.c.code)
            .join(supplier_feeds, f.id == r.feed_id)
            .join(suppliers, suppliers.c.id == f.supplier_id)
            .where(r.merchant_id == m, r.feed_id == feed_id)
            .order_by(r.id.desc())
            .limit(each)
        ).all()
        found[feed_id] = [run_view(x) for x in rows]
    return found


def run_view(x: Any) -> FeedRun:
    refused = [Refusal(int(i["row"]), str(i["column"]), str(i["reason"])) for i in json.loads(x.refused or "[]")]
    return FeedRun(
        int(x.id), x.code, x.trigger, x.outcome, x.file, int(x.rows_read), int(x.rows_changed), int(x.movements),
        refused, x.error, iso(x.started_at) or "", iso(x.finished_at) or "",
    )  # fmt: skip
