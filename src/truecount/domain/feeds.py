"""Supplier feeds: where a supplier's figures come from, how its columns map to ours, when it runs,
when it is stale, and what one row of it says. Pure.

- **source**: a local path (a file, or a folder watched for the newest matching file; a glob such as
  ``/in/acme-*.csv`` narrows it), ``sftp://user@host:port/path`` or an ``http(s)://`` URL. A password
  in the URL is taken out of it (it is a secret: stored sealed, never shown).
- **mapping**: ``col=field`` pairs, the field one of ``supplier_sku``, ``sku`` (exactly one of the
  two identifies the row), ``quantity``, ``cost``, ``discontinued``; other columns of the file are
  ignored.
- **schedule**: ``every`` ``60m`` / ``2h`` (5 minutes to 7 days), or ``at`` ``HH:MM[,HH:MM]`` (UTC).
- **stale**: no good run within twice the interval (for ``at``: the longest gap between two of its
  times), or within ``stale_after`` when that is shorter; or the last file had no rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from .errors import InvalidInput
from .suppliers import parse_cost

KEY_FIELDS = ("supplier_sku", "sku")
FIELDS = (*KEY_FIELDS, "quantity", "cost", "discontinued")
FORMATS = ("csv", "xlsx")
MIN_EVERY_S = 300
MAX_EVERY_S = 7 * 86_400
MAX_QUANTITY_DIGITS = 13
_EVERY = re.compile(r"(\d{1,5})([mh])")
_AT = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_TRUE = ("true", "yes", "y", "1", "x")
_FALSE = ("false", "no", "n", "0", "")


@dataclass(frozen=True)
class AddFeed:
    """A supplier's feed (created, or replacing the one it has). ``source``: path or URL; ``mapping``:
    ``col=field`` pairs; ``every`` (``60m``) or ``at`` (``HH:MM,HH:MM``); ``stale_after``: a duration
    like ``every``, the longest a feed may go without a good run (default: twice the interval)."""

    supplier: str
    source: str
    mapping: list[str] = field(default_factory=list)
    every: str | None = None
    at: str | None = None
    format: str | None = None  # csv or xlsx; default: from the file name
    drop_when_stale: bool = False
    stale_after: str | None = None
    password: str | None = None  # SFTP or HTTP; also accepted inside the URL
    private_key: str | None = None  # SFTP: an OpenSSH private key (its text)


@dataclass(frozen=True, slots=True)
class Source:
    """A parsed source: ``kind`` is ``path``, ``sftp`` or ``http``; ``shown`` is the source without any
    password (what is stored and shown); ``password`` is what the URL carried, if anything."""

    kind: str
    shown: str
    password: str | None


def parse_source(text: str) -> Source:
    """Classify a source and take a password out of its URL (refused naming ``source``)."""
    value = text.strip()
    if not value or not value.isprintable():
        raise InvalidInput("is required: a path, sftp://user@host:port/path or an http(s):// URL", field="source")
    if len(value) > 1000:
        raise InvalidInput("is longer than 1000 characters", field="source")
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if not scheme:
        return Source("path", value, None)
    if scheme not in ("sftp", "http", "https"):
        raise InvalidInput(f"{scheme}:// is not a feed source: use a path, sftp:// or http(s)://", field="source")
    parts = urlsplit(value)
    if not parts.hostname:
        raise InvalidInput(f"{value!r} names no host", field="source")
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput("has a port that is not a number from 1 to 65535", field="source") from None
    if scheme == "sftp" and not parts.username:
        raise InvalidInput("an sftp:// source names its user: sftp://user@host:port/path", field="source")
    if scheme == "sftp" and parts.path in ("", "/"):
        raise InvalidInput("an sftp:// source names a file or folder path", field="source")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = (f"{quote(unquote(parts.username), safe='')}@" if parts.username else "") + host
    netloc += f":{port}" if port else ""
    shown = urlunsplit((scheme, netloc, parts.path, parts.query, ""))
    password = unquote(parts.password) if parts.password else None
    return Source("sftp" if scheme == "sftp" else "http", shown, password)


def folders_of(setting: str) -> list[str]:
    """The folders local feeds may read, from their comma-separated setting."""
    return [f.strip().rstrip("/") or "/" for f in setting.split(",") if f.strip()]


def within(resolved: str, folders: list[str]) -> bool:
    """Whether a resolved absolute path is one of ``folders`` (resolved too) or lies below one."""
    return any(resolved == f or resolved.startswith(f if f.endswith("/") else f + "/") for f in folders)


def check_local(path: str, resolved: str, folders: list[str]) -> None:
    """A local source must be an absolute path inside the folders feeds may read (refused naming ``source``)."""
    if not path.startswith("/"):
        raise InvalidInput(f"{path!r} must be an absolute path", field="source")
    if not folders:
        raise InvalidInput(
            "local feed paths are off: the folders feeds may read are not set (TRUECOUNT_FEED_FOLDERS)", field="source"
        )
    if not within(resolved, folders):
        raise InvalidInput(f"{path} is outside the folders feeds may read ({', '.join(folders)})", field="source")


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["Art.Nr=supplier_sku", "Bestand=quantity"]`` → column → field; refused naming ``map``."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        column, target = column.strip(), target.strip()
        if not sep or not column:
            raise InvalidInput(f"{pair!r} must be col=field", field="map")
        if target not in FIELDS:
            raise InvalidInput(f"{pair!r}: {target!r} is not one of {', '.join(FIELDS)}", field="map")
        if column in mapping:
            raise InvalidInput(f"column {column!r} is mapped twice", field="map")
        if target in mapping.values():
            raise InvalidInput(f"{target} is mapped from two columns", field="map")
        mapping[column] = target
    keys = [f for f in mapping.values() if f in KEY_FIELDS]
    if len(keys) != 1:
        raise InvalidInput("map exactly one column to supplier_sku or to sku (what identifies a row)", field="map")
    if not set(mapping.values()) & {"quantity", "cost", "discontinued"}:
        raise InvalidInput("map at least one column to quantity, cost or discontinued", field="map")
    return mapping


def default_mapping() -> list[str]:
    """Without ``--map``: the file's columns are named as our fields (``sku,quantity``)."""
    return ["sku=sku", "quantity=quantity"]


def parse_every(text: str, field_name: str = "every") -> int:
    """``60m`` → 3600, ``2h`` → 7200 seconds (5 minutes to 7 days)."""
    found = _EVERY.fullmatch(text.strip())
    if not found:
        raise InvalidInput(f"{text!r} must be minutes or hours, such as 60m or 2h", field=field_name)
    seconds = int(found.group(1)) * (60 if found.group(2) == "m" else 3600)
    if not MIN_EVERY_S <= seconds <= MAX_EVERY_S:
        raise InvalidInput(f"{text!r} must be from 5m to 168h", field=field_name)
    return seconds


def parse_at(text: str) -> list[int]:
    """``06:00,18:30`` → minutes after midnight UTC, sorted, each once."""
    minutes = []
    for part in text.split(","):
        found = _AT.fullmatch(part.strip())
        if not found:
            raise InvalidInput(f"{part.strip()!r} must be a time of day HH:MM (00:00 to 23:59)", field="at")
        minutes.append(int(found.group(1)) * 60 + int(found.group(2)))
    return sorted(set(minutes))


def check_schedule(every: str | None, at: str | None) -> None:
    if (every is None) == (at is None):
        raise InvalidInput("give either every (60m, 2h) or at (HH:MM[,HH:MM])", field="every")
    if every is not None:
        parse_every(every)
    if at is not None:
        parse_at(at)


def interval_s(every: str | None, at: str | None) -> int:
    """The schedule's interval: ``every``'s, or the longest gap between two of the ``at`` times."""
    if every is not None:
        return parse_every(every)
    times = parse_at(at or "00:00")
    gaps = [(b - a) for a, b in zip(times, [*times[1:], times[0] + 1440], strict=True)]
    return max(gaps) * 60


def next_due(after: datetime, every: str | None, at: str | None) -> datetime:
    """When the feed runs next after a run (or its creation) at ``after`` (naive UTC)."""
    if every is not None:
        return after + timedelta(seconds=parse_every(every))
    day = after.replace(hour=0, minute=0, second=0, microsecond=0)
    for offset in (0, 1):
        for minute in parse_at(at or "00:00"):
            candidate = day + timedelta(days=offset, minutes=minute)
            if candidate > after:
                return candidate
    raise AssertionError("unreachable: a time tomorrow is always later")  # pragma: no cover


def late_after_s(every: str | None, at: str | None, stale_after_s: int | None) -> int:
    """How long a feed may go without a good run before it is stale."""
    twice = 2 * interval_s(every, at)
    return twice if stale_after_s is None else min(twice, stale_after_s)


def is_late(now: datetime, last_good: datetime, every: str | None, at: str | None, stale_after_s: int | None) -> bool:
    """No good run since ``last_good`` (or the feed's creation) for longer than it may go."""
    return now - last_good > timedelta(seconds=late_after_s(every, at, stale_after_s))


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One row of a feed as our fields: the key (supplier SKU or ours) and what it states."""

    number: int
    key: str
    quantity: int | None
    cost: Decimal | None
    discontinued: bool | None


class CellRefused(InvalidInput):
    """A row's cell that cannot be read: ``field`` is the file's column."""


def read_row(number: int, cells: dict[str, str], mapping: dict[str, str], max_quantity: int) -> FeedRow:
    """A row's cells (by the file's column) as a :class:`FeedRow`; the first bad cell is refused
    (:class:`CellRefused` naming its column)."""
    column_of = {target: column for column, target in mapping.items()}
    key_field = "supplier_sku" if "supplier_sku" in column_of else "sku"
    key = cells.get(column_of[key_field], "").strip()
    if not key:
        raise CellRefused("is required", field=column_of[key_field])
    quantity = cost = discontinued = None
    if "quantity" in column_of:
        quantity = _quantity(cells.get(column_of["quantity"], ""), column_of["quantity"], max_quantity)
    if "cost" in column_of and cells.get(column_of["cost"], "").strip():
        try:
            cost = parse_cost(cells[column_of["cost"]], field=column_of["cost"])
        except InvalidInput as bad:
            raise CellRefused(bad.message, field=column_of["cost"]) from None
    if "discontinued" in column_of:
        text = cells.get(column_of["discontinued"], "").strip().lower()
        if text not in (*_TRUE, *_FALSE):
            raise CellRefused(f"{text!r} is not true or false (yes/no, 1/0)", field=column_of["discontinued"])
        discontinued = text in _TRUE
    return FeedRow(number, key, quantity, cost, discontinued)


def _quantity(text: str, column: str, max_quantity: int) -> int:
    value = text.strip()
    if value.endswith(".0"):
        value = value[:-2]  # a spreadsheet's whole number
    if not re.fullmatch(rf"\d{{1,{MAX_QUANTITY_DIGITS}}}", value):
        problem = "is required" if not value else f"{value!r} is not a whole number of 0 or more"
        raise CellRefused(problem, field=column)
    if int(value) > max_quantity:
        raise CellRefused(f"is absurdly large (more than {max_quantity})", field=column)
    return int(value)


@dataclass(frozen=True, slots=True)
class Held:
    """What we hold for a row's variant now: the figure at the supplier's location, the item's cost
    (none without an item) and whether the item is marked discontinued."""

    on_hand: int
    cost: Decimal | None
    discontinued: bool


@dataclass(frozen=True, slots=True)
class RowChange:
    """What applying a row changes: the new figure (None: unchanged), cost, discontinued mark."""

    figure: int | None
    cost: Decimal | None
    discontinued: bool | None

    @property
    def any(self) -> bool:
        return (self.figure, self.cost, self.discontinued) != (None, None, None)


def row_change(row: FeedRow, held: Held) -> RowChange:
    """What a row changes against what we hold: a discontinued item offers 0, whatever its quantity;
    the same figure, cost and mark again change nothing."""
    figure = 0 if row.discontinued else row.quantity
    new_figure = figure if figure is not None and figure != held.on_hand else None
    new_cost = row.cost if row.cost is not None and row.cost != held.cost else None
    mark = row.discontinued if row.discontinued is not None and row.discontinued != held.discontinued else None
    return RowChange(new_figure, new_cost, mark)
