"""The connection check over HTTP (``POST /api/v1/channels/{code}/check``), against emulators that enforce
credentials: what works and what to fix, in plain words, for each channel."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests.api_factories import client_for
from tests.sync.conftest import channel_config, state
from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel
from truecount.emulators.runner import RunningEmulator
from truecount.entrypoints.api.app import create_app
from truecount.services.channels.setup import create_channel, load_channel
from truecount.services.common.scope import Scope
from truecount.services.sync import state as sync_state
from truecount.services.sync.status import sync_status
from truecount.settings import Settings

KINDS = ("shopify", "amazon", "ebay", "woocommerce")


@pytest.fixture
def api(db: Database, scope: Scope) -> TestClient:
    return client_for(create_app(Settings(database_url=db.url, secret_key="test-secret"), db), db, scope, "admin")


def connect(db: Database, scope: Scope, kind: str, url: str, **extra: Any) -> None:
    f.location(db, scope, "WH1")
    create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], config=channel_config(kind, url, **extra)))


def check(api: TestClient, code: str) -> dict[str, Any]:
    answer = api.post(f"/api/v1/channels/{code}/check")
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


@pytest.mark.parametrize("kind", KINDS)
def test_a_channel_with_good_credentials_checks_out(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], api: TestClient, kind: str
) -> None:
    connect(db, scope, kind, emu[kind].url)
    report = check(api, kind)
    assert report["ok"] is True, report
    assert report["summary"] == "everything works"
    assert all(item["ok"] for item in report["checks"]) and report["checks"][0]["name"] == "credentials"
    assert state(emu[kind])["auth_failures_total"] == 0


def test_the_shopify_check_names_a_missing_scope_and_the_api_version(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], api: TestClient
) -> None:
    httpx.put(emu["shopify"].url + "/_emulator/auth", json={"scopes": ["read_inventory"]}).raise_for_status()
    connect(db, scope, "shopify", emu["shopify"].url)
    report = check(api, "shopify")
    by_name = {item["name"]: item for item in report["checks"]}
    assert report["ok"] is False
    assert not by_name["scopes"]["ok"] and "write_inventory" in by_name["scopes"]["fix"]
    assert by_name["API version"]["ok"] and "2026-04" in by_name["API version"]["detail"]
    assert by_name["location"]["ok"]


def test_the_amazon_check_names_a_marketplace_the_seller_does_not_sell_on(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], api: TestClient
) -> None:
    connect(db, scope, "amazon", emu["amazon"].url, marketplace_id="A1PA6795UKMFR9")
    report = check(api, "amazon")
    [market] = [item for item in report["checks"] if item["name"] == "marketplace"]
    assert not market["ok"] and "A1F83G8C2ARO7P" in market["fix"]


def test_wrong_credentials_are_named_with_where_to_find_the_right_ones_and_a_good_check_resumes(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], api: TestClient
) -> None:
    connect(db, scope, "woocommerce", emu["woocommerce"].url, consumer_secret="cs_wrong")
    report = check(api, "woocommerce")
    assert report["ok"] is False
    [item] = report["checks"]
    assert item["name"] == "credentials" and "Read/Write" in item["fix"] and "cs_wrong" not in str(report)
    channel_id = _channel_id(db, scope)
    sync_state.credentials_failed(db, scope.merchant_id, channel_id, "refused", "a fingerprint")
    api.patch("/api/v1/channels/woocommerce/config", json={"config": {"consumer_secret": "cs_emulator"}})
    fixed = check(api, "woocommerce")
    assert fixed["ok"] is True and fixed["paused_for_credentials"] == "refused" and fixed["resumed"] is True
    [row] = sync_status(db, scope)
    assert not row.paused and row.credentials_error is None


def test_a_channel_not_connected_is_told_how_to_connect_and_others_are_refused_by_name(
    db: Database, scope: Scope, api: TestClient
) -> None:
    f.location(db, scope, "WH1")
    create_channel(db, scope, CreateChannel("shop", "shopify", ["WH1"]))
    create_channel(db, scope, CreateChannel("till", "pos", ["WH1"]))
    report = check(api, "shop")
    assert report["ok"] is False
    assert [item["name"] for item in report["checks"]] == ["connection", "webhooks"]
    assert "base_url" in report["checks"][0]["fix"]
    refused = api.post("/api/v1/channels/till/check")
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "channel"
    assert api.post("/api/v1/channels/nope/check").status_code == 404


def _channel_id(db: Database, scope: Scope) -> int:
    with db.read() as conn:
        return load_channel(conn, scope.merchant_id, "woocommerce").id
