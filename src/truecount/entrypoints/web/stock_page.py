"""The stock screen's page: its rows (the search's page), their offers on every channel and the
tracker alert count, read in ONE transaction.

On PostgreSQL that is four to seven round trips: the search's lookups and its page (planned for
their values, :func:`truecount.adapters.db.engine.unprepared`), the channels, then the rows' six
reads, the offers' facts and the alert count sent together; SQLite runs the same statements in turn
in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from truecount.adapters.db.engine import Database, unprepared
from truecount.adapters.db.together import fetch_together
from truecount.services.common.scope import Scope
from truecount.services.offers import shown
from truecount.services.offers.recompute import today as offer_day
from truecount.services.trackers.watch import alert_count_read, alerts_from

from .dashboard import VariantRow, row_reads, rows_from
from .stock_search import page_ids


@dataclass(frozen=True, slots=True)
class StockPage:
    """A page of the stock screen: its rows with their offers, whether a next page follows, and how
    many stock health trackers are alerting."""

    rows: list[VariantRow]
    more: bool
    tracker_alerts: int


def stock_page(db: Database, scope: Scope, q: str, show: str, low_below: int, page_size: int, offset: int) -> StockPage:
    """The page of the variants matching ``q``, filtered by ``show`` (:func:`.stock_search.page_ids`)."""
    m = scope.merchant_id
    with db.read() as conn:
        with unprepared(conn):
            ids = page_ids(db, conn, scope, q, show, low_below, page_size + 1, offset)
        more, ids = len(ids) > page_size, ids[:page_size]
        channels = shown.read_channels(conn, m) if ids else []
        day = offer_day()
        reads = row_reads(m, ids, day) if ids else []
        facts = shown.offer_reads(conn, m, ids, channels, day)
        found = fetch_together(conn, [*reads, *facts, alert_count_read(m)])
    rows = rows_from(found[: len(reads)], m, ids, day) if ids else []
    offers = shown.offers_from(found[len(reads) : len(reads) + len(facts)], ids, channels, day)
    for row in rows:
        row.offers = offers.get(row.variant_id, [])
    return StockPage(rows, more, alerts_from(found[-1]))
