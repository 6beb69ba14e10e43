"""``truecount feed add|run|list|show`` (and the one-SKU ``feed SKU QTY --at LOC``) on both backends."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from truecount.settings import get_settings


def set_up(cli: Cli) -> None:
    for args in (
        ("location", "add", "DS-ACME", "--kind", "dropship"),
        ("product", "add", "Sneaker", "--sku", "SNK"),
        ("supplier", "add", "ACME", "--name", "Acme Ltd", "--email", "po@acme.example", "--location", "DS-ACME"),
        ("supplier", "item", "SNK", "--supplier", "ACME", "--cost", "12.5", "--supplier-sku", "AC-1"),
        ("feed", "SNK", "20", "--at", "DS-ACME"),  # the one-SKU form, as before
    ):
        done = cli(*args)
        assert done.exit_code == 0, (args, done.output)


@pytest.fixture
def feed_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder local feeds may read (TRUECOUNT_FEED_FOLDERS), for this test only."""
    folder = tmp_path / "feeds"
    folder.mkdir()
    monkeypatch.setenv("TRUECOUNT_FEED_FOLDERS", str(folder))
    get_settings.cache_clear()
    yield folder
    monkeypatch.delenv("TRUECOUNT_FEED_FOLDERS")
    get_settings.cache_clear()


def _drop(folder: Path, name: str, text: str, mtime: int) -> None:
    (folder / name).write_text(text, encoding="utf-8")
    os.utime(folder / name, (mtime, mtime))


def test_a_feed_is_added_run_listed_and_shown_with_its_runs(cli: Cli, feed_folder: Path) -> None:
    tmp_path = feed_folder
    set_up(cli)
    assert json.loads(cli("stock", "SNK", "--json").stdout)[0]["on_hand"] == 20
    added = cli("feed", "add", "ACME", "--from", str(tmp_path), "--every", "2h", "--map", "Art=supplier_sku",
                "--map", "Qty=quantity", "--map", "Price=cost", "--drop-when-stale")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert f"added the feed of ACME: {tmp_path}, every 2h, dropped from channel pools when stale" in added.stdout
    _drop(tmp_path, "one.csv", "Art,Qty,Price\nAC-1,7,13.00\n", 1_000)

    ran = cli("feed", "run", "ACME")

    assert ran.exit_code == 0, ran.output
    assert "applied: one.csv, 1 row(s) read, 1 changed, 1 movement(s)" in ran.stdout
    assert json.loads(cli("stock", "SNK", "--json").stdout)[0]["on_hand"] == 7
    assert json.loads(cli("supplier", "show", "ACME", "--json").stdout)["items"][0]["cost"] == "13.00"
    (listed,) = json.loads(cli("feed", "list", "--json").stdout)
    assert (listed["supplier"], listed["every"], listed["runs"][0]["outcome"]) == ("ACME", "2h", "applied")
    assert listed["mapping"] == {"Art": "supplier_sku", "Qty": "quantity", "Price": "cost"}
    _drop(tmp_path, "two.csv", "Art,Qty,Price\nAC-1,seven,13.00\nAC-9,1,1\n", 2_000)
    refused = cli("feed", "run", "ACME")
    assert refused.exit_code == 1
    assert "refused: two.csv, 2 row(s) read, 0 changed, 0 movement(s), 2 refused" in refused.stdout
    assert "row 2, column Qty: 'seven' is not a whole number of 0 or more" in refused.stderr
    assert "row 3, column Art: no item of supplier ACME has supplier SKU 'AC-9'" in refused.stderr
    assert json.loads(cli("stock", "SNK", "--json").stdout)[0]["on_hand"] == 7
    shown = cli("feed", "show", "ACME")
    assert shown.exit_code == 0 and "Art=supplier_sku" in shown.stdout
    assert "refused" in shown.stdout and "applied" in shown.stdout
    runs = json.loads(cli("feed", "show", "ACME", "--json").stdout)["runs"]
    assert [r["outcome"] for r in runs] == ["refused", "applied"]
    assert runs[0]["refused"][0] == {"row": 2, "column": "Qty", "reason": "'seven' is not a whole number of 0 or more"}


def test_bad_feed_settings_are_refused_naming_the_field_and_a_password_is_never_shown(
    cli: Cli, feed_folder: Path
) -> None:
    set_up(cli)
    for args, said in (
        (("--from", str(feed_folder.parent), "--every", "60m"), "is outside the folders feeds may read"),
        (("--from", "feeds/acme.csv", "--every", "60m"), "must be an absolute path"),
        (("--from", str(feed_folder), "--every", "1m"), "every: '1m' must be from 5m to 168h"),
        (("--from", str(feed_folder), "--every", "60m", "--map", "a=price"), "is not one of supplier_sku, sku"),
        (("--from", "ftp://h/x", "--every", "60m"), "ftp:// is not a feed source"),
        (("--from", str(feed_folder)), "give either every"),
    ):
        done = cli("feed", "add", "ACME", *args)
        assert done.exit_code != 0 and said in done.output, (args, done.output)
    assert cli("feed", "add", "NOPE", "--from", str(feed_folder), "--every", "60m").exit_code != 0
    added = cli("feed", "add", "ACME", "--from", "https://shop:hunter2-secret@feeds.example/acme.csv", "--every", "1h",
                "--json")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["source"] == "https://shop@feeds.example/acme.csv"
    for args in (("feed", "list"), ("feed", "list", "--json"), ("feed", "show", "ACME"), ("feed", "show", "ACME",
                                                                                        "--json")):  # fmt: skip
        shown = cli(*args)
        assert shown.exit_code == 0 and "hunter2" not in shown.output, args
    assert json.loads(cli("feed", "show", "ACME", "--json").stdout)["secret"] == "****"
