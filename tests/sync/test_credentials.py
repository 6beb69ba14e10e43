"""Credentials with a lifecycle, against emulators that enforce them: tokens that expire every few seconds
are refreshed ahead of time and once more when refused; a refusal no refresh can cure pauses the channel
(not each listing) until its settings change; secrets are encrypted at rest and never shown."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests import factories as f
from tests.sync.conftest import channel_config, credentials, state, wait_for
from truecount.adapters.channels import connector_for
from truecount.adapters.channels.base import AuthFailed, PushItem
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.sync import push_queue
from truecount.domain.commands import CreateChannel, PostMovement
from truecount.emulators.runner import RunningEmulator
from truecount.services.channels.config import configure_channel
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing
from truecount.services.stock.movements import post_movement
from truecount.services.sync.status import sync_status
from truecount.services.sync.worker import WorkerOptions, start_in_background

TOKEN_KINDS = ("shopify", "amazon", "ebay")
REFS = {"shopify": "101@7", "amazon": "MUG", "ebay": "MUG", "woocommerce": "55"}


def shown(emu: dict[str, RunningEmulator], kind: str) -> Any:
    return state(emu[kind])["listings"].get(REFS[kind])  # type: ignore[attr-defined]


@pytest.fixture
def worker(db: Database, scope: Scope) -> Iterator[None]:
    options = WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.05, merchant_id=scope.merchant_id)
    stop = start_in_background(db, options)
    yield
    stop()


def shop(db: Database, scope: Scope, emu: dict[str, RunningEmulator], kinds: tuple[str, ...], **extra: Any) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 100, "WH1")
    for kind in kinds:
        config = channel_config(kind, emu[kind].url, order_poll_s=0.3) | extra.get(kind, {})
        create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], config=config))
        add_listing(db, scope, kind, "MUG", REFS[kind])


@pytest.mark.parametrize("kind", TOKEN_KINDS)
def test_a_token_that_expired_early_is_refreshed_once_and_the_push_is_sent_again(
    emu: dict[str, RunningEmulator], kind: str
) -> None:
    connector = connector_for(kind, channel_config(kind, emu[kind].url))
    ref = REFS[kind]
    assert connector.push([PushItem(ref, 4, None, "k1")])[0].ok
    issued = state(emu[kind])["tokens_issued"]
    httpx.post(emu[kind].url + "/_emulator/auth/expire").raise_for_status()  # revoked or rotated on their side
    [result] = connector.push([PushItem(ref, 5, 4, "k2")])
    assert result.ok, result  # before: Amazon's 403 was taken as a refusal of the listing, for an hour
    assert wait_for(lambda: shown(emu, kind) == 5, 5)
    after = state(emu[kind])
    assert after["tokens_issued"] == issued + 1
    assert after["auth_failures"] == {"expired": 1}


@pytest.mark.parametrize("kind", [*TOKEN_KINDS, "woocommerce"])
def test_wrong_credentials_are_refused_as_the_channel_refuses_them_and_named(
    emu: dict[str, RunningEmulator], kind: str
) -> None:
    wrong = {k: "wrong" for k in credentials(kind, emu[kind].url) if k not in ("lwa_token_url",)}
    connector = connector_for(kind, channel_config(kind, emu[kind].url) | wrong)
    with pytest.raises(AuthFailed):
        connector.push([PushItem(REFS[kind], 4, None, "k1")])
    assert state(emu[kind])["listings"] == {}
    assert sum(state(emu[kind])["auth_failures"].values()) >= 1  # type: ignore[attr-defined]


def test_a_worker_runs_through_several_token_lifetimes_without_a_stalled_listing(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    kinds = ("shopify", "amazon", "ebay", "woocommerce")
    for kind in TOKEN_KINDS:  # tokens of 1.5 s: a new one every second or so
        httpx.put(emu[kind].url + "/_emulator/auth", json={"token_lifetime_s": 1.5}).raise_for_status()
    shop(db, scope, emu, kinds)
    assert wait_for(lambda: {shown(emu, k) for k in kinds} == {100}, 15)
    sold = 0
    while min(int(state(emu[k])["tokens_issued"]) for k in TOKEN_KINDS) < 4:  # type: ignore[call-overload]
        sold += 1
        post_movement(db, scope, PostMovement("adjust", "MUG", "WH1", -1, reason="sale"))
        assert wait_for(lambda n=sold: {shown(emu, k) for k in kinds} == {100 - n}, 5), (
            sold,
            [shown(emu, k) for k in kinds],
        )
        assert sold < 200
    assert wait_for(lambda: all(row.queue_depth == 0 for row in sync_status(db, scope)), 5)
    assert all(row.failing == 0 and not row.credentials_error for row in sync_status(db, scope))


def test_refused_credentials_pause_the_channel_not_each_listing_and_fixing_them_resumes_at_once(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    shop(db, scope, emu, ("amazon",), amazon={"refresh_token": "revoked-refresh-token"})

    def waiting() -> bool:
        [row] = sync_status(db, scope)
        return bool(row.credentials_error) and row.paused

    assert wait_for(waiting, 10), sync_status(db, scope)
    [row] = sync_status(db, scope)
    assert "invalid grant parameter" in row.credentials_error
    with db.read() as conn:  # the listing waits due, with no backoff of its own
        attempts = conn.execute(select(push_queue.c.attempts).where(push_queue.c.merchant_id == scope.merchant_id))
        assert list(attempts.scalars()) == [0]
    configure_channel(db, scope, "amazon", {"refresh_token": credentials("amazon", "")["refresh_token"]})
    assert wait_for(lambda: shown(emu, "amazon") == 100, 5)  # long before the 5-minute recheck
    assert wait_for(lambda: not sync_status(db, scope)[0].credentials_error, 5)
    secret = "revoked-refresh-token"
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert all(record.exc_info is None for record in caplog.records if record.name == "truecount.sync")


def test_secrets_are_stored_encrypted_and_shown_masked(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator]
) -> None:
    f.location(db, scope, "WH1")
    config = channel_config("amazon", emu["amazon"].url)
    created = create_channel(db, scope, CreateChannel("amazon", "amazon", ["WH1"], config=config))
    assert created.config["refresh_token"] == "****" and created.config["lwa_client_secret"] == "****"
    with db.read() as conn:
        raw = conn.execute(select(channels.c.config).where(channels.c.merchant_id == scope.merchant_id)).scalar_one()
    stored = json.loads(raw)
    assert stored["refresh_token"].startswith("enc:v1:") and stored["lwa_client_secret"].startswith("enc:v1:")
    assert config["refresh_token"] not in raw and config["lwa_client_secret"] not in raw
    assert stored["lwa_client_id"] == config["lwa_client_id"]  # an id is not a secret
