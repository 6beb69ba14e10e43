"""Channels, listings, rules and offers as a person types them; rules round-trip by spreadsheet."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.cli.conftest import Cli


def ok(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def setup_channels(cli: Cli) -> None:
    for args in (
        ("location", "add", "WH1"),
        ("location", "add", "QC", "--not-for-sale"),
        ("product", "add", "Bottle", "--sku", "BOTTLE"),
        ("product", "add", "Bottle 10", "--sku", "BOTTLE-10", "--components", "BOTTLE:10"),
        ("product", "add", "Mug", "--sku", "MUG"),
        ("receive", "BOTTLE", "200", "--at", "WH1"),
        ("receive", "MUG", "5", "--at", "QC"),
        ("channel", "add", "amazon-uk", "--kind", "amazon", "--locations", "WH1,QC"),
        ("listing", "add", "amazon-uk", "BOTTLE", "seller_sku=BOT-1", "marketplace_id=A1F83G8C2ARO7P"),
        ("listing", "add", "amazon-uk", "BOTTLE-10", "BOT-10"),
    ):
        ok(cli, *args)


def offered(cli: Cli, channel: str, sku: str | None = None) -> dict[str, int]:
    rows = json.loads(ok(cli, "offers", channel, *([sku] if sku else []), "--json"))
    return {row["sku"]: row["quantity"] for row in rows}


def test_rules_set_and_clear_change_what_the_channel_is_offered_with_an_explanation(cli: Cli) -> None:
    setup_channels(cli)
    assert offered(cli, "amazon-uk") == {"BOTTLE": 200, "BOTTLE-10": 20, "MUG": 0}
    ok(cli, "rule", "set", "amazon-uk", "BOTTLE", "reserve", "--quantity", "40")
    assert offered(cli, "amazon-uk", "BOTTLE-10") == {"BOTTLE-10": 16}
    explained = json.loads(ok(cli, "offers", "amazon-uk", "BOTTLE", "--explain", "--json"))[0]
    assert explained["explain"]["rule"] == {"kind": "reserve", "quantity": 40}
    assert explained["listing"]["external_ref"] == "BOT-1"
    assert "→ offered 160" in ok(cli, "offers", "amazon-uk", "BOTTLE", "--explain")
    shown = json.loads(ok(cli, "channel", "show", "amazon-uk", "--json"))
    assert {row["sku"]: row["quantity"] for row in shown["listings"]} == {"BOTTLE": 160, "BOTTLE-10": 16}
    ok(cli, "rule", "clear", "amazon-uk", "BOTTLE")
    assert offered(cli, "amazon-uk", "BOTTLE") == {"BOTTLE": 200}


def test_refusals_name_the_field_and_exit_1(cli: Cli) -> None:
    setup_channels(cli)
    refused = cli("rule", "set", "amazon-uk", "BOTTLE", "percent", "--percent", "150")
    assert refused.exit_code == 1 and "percent" in refused.stderr
    refused = cli("listing", "add", "amazon-uk", "MUG", "BOT-1")
    assert refused.exit_code == 1 and "external_ref" in refused.stderr
    refused = cli("channel", "add", "x", "--kind", "fax", "--locations", "WH1")
    assert refused.exit_code == 1 and "kind" in refused.stderr


def test_set_locations_recomputes_the_channel(cli: Cli) -> None:
    setup_channels(cli)
    ok(cli, "location", "add", "SHOP")
    ok(cli, "receive", "BOTTLE", "7", "--at", "SHOP")
    assert "2 listing(s) changed" in ok(cli, "channel", "set-locations", "amazon-uk", "SHOP")
    assert offered(cli, "amazon-uk", "BOTTLE") == {"BOTTLE": 7}
    assert [c["code"] for c in json.loads(ok(cli, "channel", "list", "--json"))] == ["amazon-uk"]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_rules_round_trip_through_a_spreadsheet(cli: Cli, tmp_path: Path, suffix: str) -> None:
    setup_channels(cli)
    ok(cli, "rule", "set", "amazon-uk", "BOTTLE", "percent", "--percent", "12.5", "--location", "WH1", "--cap", "20")
    ok(cli, "rule", "set", "amazon-uk", "MUG", "stop_sell")
    first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
    assert "5 row(s)" in ok(cli, "rules", "export", "amazon-uk", str(first))  # 3 variants, 2 listings
    ok(cli, "rule", "clear", "amazon-uk", "BOTTLE")
    ok(cli, "rule", "clear", "amazon-uk", "MUG")
    assert "2 set" in ok(cli, "rules", "import", "amazon-uk", str(first))
    ok(cli, "rules", "export", "amazon-uk", str(second))
    if suffix == "csv":
        assert first.read_text() == second.read_text()
        rows = list(csv.DictReader(first.open()))
        assert rows[0] == {
            "sku": "BOTTLE",
            "kind": "percent",
            "quantity": "",
            "percent": "12.5",
            "location": "WH1",
            "reserve": "",
            "cap": "20",
            "listing": "",
            "steps": "",
        }
        assert (rows[1]["sku"], rows[1]["listing"], rows[1]["steps"]) == ("BOTTLE", "BOT-1", "")
    assert offered(cli, "amazon-uk") == {"BOTTLE": 20, "BOTTLE-10": 2, "MUG": 0}


def test_a_bad_spreadsheet_is_refused_row_by_row_and_nothing_is_written(cli: Cli, tmp_path: Path) -> None:
    setup_channels(cli)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (
        ["sku", "kind", "quantity", "percent"],
        ["BOTTLE", "reserve", 10, None],
        ["NOPE", "reserve", 1, None],
        ["MUG", "percent", None, 300],
        ["BOTTLE-10", "fixed", "many", None],
    ):
        sheet.append(row)
    path = tmp_path / "rules.xlsx"
    book.save(path)
    refused = cli("rules", "import", "amazon-uk", str(path))
    assert refused.exit_code == 1
    assert "3 bad row(s)" in refused.stderr
    details = [json.loads(line) for line in refused.stderr.splitlines()[1:]]
    assert [(d["row"], d["column"]) for d in details] == [(3, "sku"), (4, "percent"), (5, "quantity")]
    assert offered(cli, "amazon-uk", "BOTTLE") == {"BOTTLE": 200}  # row 2 was fine but nothing was written


def test_rules_import_prints_its_summary_first_and_the_rule_column_reads_as_words(cli: Cli, tmp_path: Path) -> None:
    setup_channels(cli)
    ok(cli, "rule", "set", "amazon-uk", "BOTTLE", "percent", "--percent", "30", "--reserve", "2", "--cap", "5")
    sheet = tmp_path / "rules.csv"
    ok(cli, "rules", "export", "amazon-uk", str(sheet))
    printed = ok(cli, "rules", "import", "amazon-uk", str(sheet))
    assert printed.splitlines()[0].startswith("5 row(s)")  # no blank line before it (3 variants, 2 listings)
    table = ok(cli, "offers", "amazon-uk")
    assert "30% of the pool, reserve 2, cap 5" in table and "percent 30.0" not in table


def test_the_explanation_names_the_release_date(cli: Cli) -> None:
    setup_channels(cli)
    ok(cli, "product", "add", "Rain jacket", "--sku", "RAIN", "--sellable-from", "2099-03-01")
    ok(cli, "receive", "RAIN", "4", "--at", "WH1")
    explained = ok(cli, "offers", "amazon-uk", "RAIN", "--explain")
    assert "not sellable before 2099-03-01: 0" in explained
