"""``/api/v1/feeds``: supplier feeds on a schedule and their runs (list, create, one, run now, runs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from truecount.domain.feeds import AddFeed, folders_of
from truecount.services.feeds import records
from truecount.services.feeds.run import run_feed

from ..deps import DbDep, IdempotencyKey, PageDep, RequireRole, ScopeDep, SettingsDep, paginate
from ..schemas import Code, Flag, Input, Output
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["feeds"])
FIELDS_HELP = "File column → field: supplier_sku or sku (one of them), quantity, cost, discontinued."


class FeedCreate(Input):
    supplier: Code = Field(description="The supplier's code.")
    source: str = Field(
        max_length=1000, description="A file or folder path, sftp://user@host:port/path or an http(s):// URL."
    )
    mapping: dict[str, str] = Field(
        default_factory=dict, max_length=20, description=FIELDS_HELP + " Default: {sku: sku, quantity: quantity}."
    )
    every: str | None = Field(None, max_length=8, description="Run every 60m, 2h… (5m to 168h).")
    at: str | None = Field(None, max_length=200, description="Or run at HH:MM[,HH:MM] (UTC).")
    format: str | None = Field(None, max_length=8, description="csv or xlsx; default: from the file name.")
    drop_when_stale: Flag = Field(False, description="While stale, the supplier's location leaves every channel pool.")
    stale_after: str | None = Field(None, max_length=8, description="Stale after this long without a good run.")
    password: str | None = Field(None, max_length=500, description="SFTP or HTTP password; stored sealed, never shown.")
    private_key: str | None = Field(
        None, max_length=20_000, description="SFTP: an OpenSSH private key; stored sealed, never shown."
    )


class RefusalPublic(Output):
    row: int = Field(description="The row as a spreadsheet numbers it (the header is 1; 0: the file itself).")
    column: str
    reason: str


class FeedRunPublic(Output):
    id: int
    supplier: str
    trigger: str = Field(description="schedule or manual.")
    outcome: str = Field(
        description="applied, unchanged, not_modified, no_new_file, empty, refused (nothing changed) or failed."
    )
    file: str | None
    rows_read: int
    rows_changed: int
    movements: int
    refused: list[RefusalPublic]
    error: str | None
    started_at: str
    finished_at: str


class FeedPublic(Output):
    supplier: str
    source: str = Field(description="Without any password.")
    format: str | None
    mapping: dict[str, str]
    every: str | None
    at: str | None
    stale_after_s: int | None
    drop_when_stale: bool
    secret: str | None = Field(description='"****" when a password or key is stored; never the secret itself.')
    host_key: str | None = Field(description="SFTP: the server's public host key pinned at the first connection.")
    stale: bool
    stale_reason: str | None
    dropped: bool = Field(description="Out of the channel pools while stale.")
    next_due_at: str
    last_good_at: str | None
    runs: list[FeedRunPublic] = Field(description="The newest runs, newest first (the list shows the last one).")
    replayed: bool = False


@router.get("/feeds", response_model=list[FeedPublic], summary="Every supplier feed, with its last run")
def list_feeds(request: Request, response: Response, db: DbDep, scope: ScopeDep, page: PageDep) -> list[FeedPublic]:
    rows = [FeedPublic.model_validate(f) for f in records.list_feeds(db, scope)]
    return paginate(request, response, page, rows)


@router.post(
    "/feeds",
    status_code=201,
    response_model=FeedPublic,
    dependencies=[RequireRole("admin")],
    summary="Give a supplier a feed: 201 created, 200 replaced",
)
def create_feed(
    body: FeedCreate, response: Response, db: DbDep, scope: ScopeDep, settings: SettingsDep, key: IdempotencyKey = None
) -> FeedPublic:
    pairs = [f"{column}={field}" for column, field in body.mapping.items()]
    cmd = AddFeed(**body.model_dump(exclude={"mapping"}), mapping=pairs)
    feed = records.add_feed(db, scope, cmd, key, folders=folders_of(settings.feed_folders))
    response.status_code = 201 if feed.created else 200
    return FeedPublic.model_validate(feed)


@router.get("/feeds/{supplier}", response_model=FeedPublic, summary="One supplier's feed with its newest runs")
def show_feed(supplier: str, db: DbDep, scope: ScopeDep) -> FeedPublic:
    return FeedPublic.model_validate(records.get_feed(db, scope, supplier))


@router.post(
    "/feeds/{supplier}/runs",
    status_code=201,
    response_model=FeedRunPublic,
    dependencies=[RequireRole("admin")],
    summary="Run the feed now: the run's result (a refused run changed nothing; 409 while another run holds it)",
)
def run_now(supplier: str, db: DbDep, scope: ScopeDep, settings: SettingsDep) -> FeedRunPublic:
    return FeedRunPublic.model_validate(run_feed(db, scope, supplier, folders=folders_of(settings.feed_folders)))


@router.get("/feeds/{supplier}/runs", response_model=list[FeedRunPublic], summary="A feed's runs, newest first")
def list_runs(
    supplier: str, db: DbDep, scope: ScopeDep, limit: Annotated[int, Query(ge=1, le=100)] = 100
) -> list[FeedRunPublic]:
    return [FeedRunPublic.model_validate(r) for r in records.list_runs(db, scope, supplier, limit)]
