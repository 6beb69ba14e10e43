"""``/api/v1/sync/status``: every pushed channel's sync status, in the words the channels page uses."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from truecount.services.sync.status import sync_status

from ..deps import DbDep, ScopeDep
from ..schemas import Output
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["channels"])


class SyncStatusPublic(Output):
    channel: str
    kind: str
    push: str = Field(description="immediate or interval")
    connected: bool = Field(description="A base_url is set: the worker syncs this channel.")
    state: Literal["not_connected", "in_step", "behind", "failing", "paused"]
    summary: str = Field(
        description="The state in one sentence, e.g. 'behind: 12 pushes queued, the oldest 14 min ago'."
    )
    last_success_at: datetime | None
    queue_depth: int
    oldest_queued_at: datetime | None
    oldest_queued_age_s: float | None = Field(description="Seconds since the oldest queued push was queued.")
    failing: int = Field(description="Queued pushes that failed at least once.")
    consecutive_failures: int
    paused: bool
    last_error: str | None = Field(description="The connector's last error, as it came.")
    last_error_words: str = Field(description="The last error in words ('' when none).")
    drift: int = Field(description="Listings a read-back after the last push found different from it.")
    orders_refused: int = Field(
        description="Channel orders refused (a signed webhook or a polled order that does not match the channel's "
        "schema, or that the orders service refused): nothing of them was booked."
    )
    last_order_refusal: str | None = Field(description="Which order was refused last, and why.")
    last_order_refused_at: datetime | None
    fulfilments_queued: int = Field(description="Fulfilments (shipments with tracking) waiting to be pushed.")
    fulfilments_failing: int = Field(description="Queued fulfilments whose last try failed (retried with backoff).")
    fulfilments_refused: int = Field(
        description="Fulfilments the channel refused for good (an unknown or cancelled order, more than is left to "
        "ship…): not retried."
    )
    fulfilments_pushed: int = Field(description="Fulfilments the channel took.")
    last_fulfilment_error: str | None = Field(description="The channel's last error for a fulfilment not pushed.")


@router.get("/sync/status", response_model=list[SyncStatusPublic], summary="Every pushed channel's sync status")
def get_sync_status(db: DbDep, scope: ScopeDep) -> list[SyncStatusPublic]:
    return [SyncStatusPublic.model_validate(row) for row in sync_status(db, scope)]
