"""``truecount reconcile`` and ``truecount sync status`` as a person types them, against an emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.cli.conftest import Cli
from tests.sync.conftest import credentials
from truecount.emulators.runner import RunningEmulator, start


@pytest.fixture(scope="module")
def ebay() -> Iterator[RunningEmulator]:
    emulator = start("ebay")
    yield emulator
    emulator.stop()


def ok(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_reconcile_pushes_drift_back_and_status_shows_the_channel(cli: Cli, ebay: RunningEmulator) -> None:
    ok(cli, "location", "add", "WH1")
    ok(cli, "product", "add", "Mug", "--sku", "MUG-CLI")
    ok(cli, "receive", "MUG-CLI", "4", "--at", "WH1")
    ok(
        cli,
        "channel",
        "add",
        "ebay",
        "--kind",
        "ebay",
        "--locations",
        "WH1",
        "--config",
        json.dumps({"base_url": ebay.url, **credentials("ebay", ebay.url)}),
    )
    ok(cli, "listing", "add", "ebay", "MUG-CLI", "MUG-CLI")
    [row] = json.loads(ok(cli, "sync", "status", "--json"))
    assert (row["channel"], row["queue_depth"]) == ("ebay", 1)
    assert json.loads(ok(cli, "reconcile", "--json"))[0]["never_pushed"] == 1  # not pushed yet: nothing to compare
    refused = cli("reconcile", "nope")
    assert refused.exit_code == 1 and "nope" in refused.output
    ok(cli, "channel", "configure", "ebay", "--set", "refresh_token=revoked")
    refused = cli("reconcile", "ebay")
    assert (
        refused.exit_code == 1
        and "refused the credentials" in refused.output
        and "channel check ebay" in refused.output
    )


def test_channel_check_says_what_works_and_what_to_fix(cli: Cli, ebay: RunningEmulator) -> None:
    ok(cli, "location", "add", "WH1")
    config = {"base_url": ebay.url, **credentials("ebay", ebay.url)}
    ok(cli, "channel", "add", "ebay", "--kind", "ebay", "--locations", "WH1", "--config", json.dumps(config))
    report = json.loads(ok(cli, "channel", "check", "ebay", "--json"))
    assert report["ok"] is True and report["summary"] == "everything works"
    assert [c["name"] for c in report["checks"]] == ["credentials", "inventory API", "fulfillment API"]
    ok(cli, "channel", "configure", "ebay", "--set", "client_secret=PRD-not-the-cert-id")
    refused = cli("channel", "check", "ebay")
    said = " ".join(refused.output.split())  # as wide as the terminal: read it as one line
    assert refused.exit_code == 1
    assert "FIX" in said and "client authentication failed" in said
    assert "Cert ID" in said  # where to find the right value
    assert "PRD-not-the-cert-id" not in said  # the secret itself is never printed


def test_channel_configure_connects_a_channel_and_shows_its_settings(cli: Cli, ebay: RunningEmulator) -> None:
    ok(cli, "location", "add", "WH1")
    ok(cli, "channel", "add", "ebay", "--kind", "ebay", "--locations", "WH1")
    out = ok(cli, "channel", "configure", "ebay", "--set", f"base_url={ebay.url}", "--set", "rate_per_s=4")
    assert "ebay (ebay) connected" in out and "rate_per_s = 4" in out
    shown = json.loads(
        ok(cli, "channel", "configure", "ebay", "--unset", "base_url", "--set", "access_token=t", "--json")
    )
    assert shown == {
        "channel": "ebay",
        "kind": "ebay",
        "connected": False,
        "config": {"access_token": "****", "rate_per_s": 4},
    }
    refused = cli("channel", "configure", "ebay", "--set", "base_url")
    assert refused.exit_code == 1 and "set[0]" in refused.output and "KEY=VALUE" in refused.output
