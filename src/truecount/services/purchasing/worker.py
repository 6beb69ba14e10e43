"""One pass of the purchase order mailer the worker runs every ``po_interval_s``: due drafts and
notices (:func:`.sending.send_due`), then late purchase orders (:func:`.tardy.chase_late`)."""

from __future__ import annotations

from dataclasses import dataclass

from truecount.adapters.db.engine import Database

from .sending import Mailer, SendReport, send_due
from .tardy import chase_late


@dataclass(frozen=True, slots=True)
class PassReport:
    """What one pass did."""

    sends: SendReport
    followed_up: list[int]


def run_due(db: Database, mailer: Mailer, *, retry_s: float = 60.0, merchant_id: int | None = None) -> PassReport:
    """Mail what is due (every merchant's, or ``merchant_id``'s)."""
    sends = send_due(db, mailer, retry_s=retry_s, merchant_id=merchant_id)
    return PassReport(sends, chase_late(db, mailer, merchant_id=merchant_id))
