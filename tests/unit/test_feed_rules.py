"""The supplier feed rules (domain/feeds.py): sources, mappings, schedules, staleness, rows and changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truecount.domain.errors import InvalidInput
from truecount.domain.feeds import (
    CellRefused,
    FeedRow,
    Held,
    RowChange,
    is_late,
    late_after_s,
    next_due,
    parse_at,
    parse_every,
    parse_mapping,
    parse_source,
    read_row,
    row_change,
    within,
)


def test_a_password_is_taken_out_of_a_source_url_and_a_path_stays_a_path() -> None:
    sftp = parse_source("sftp://acme:p%40ss@files.acme.example:2222/out/stock.csv")
    assert (sftp.kind, sftp.shown, sftp.password) == (
        "sftp",
        "sftp://acme@files.acme.example:2222/out/stock.csv",
        "p@ss",
    )
    http = parse_source("https://feeds.example/acme.csv?token=1")
    assert (http.kind, http.shown, http.password) == ("http", "https://feeds.example/acme.csv?token=1", None)
    assert parse_source("/srv/in/acme-*.csv").kind == "path"


@pytest.mark.parametrize(
    "source",
    ["", "ftp://h/x", "sftp://host/path", "sftp://u@host/", "https:///x", "http://h:99999/x", "/a\x00b"],
)
def test_a_source_that_cannot_be_read_is_refused_naming_it(source: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_source(source)
    assert refused.value.field == "source"


def test_a_mapping_names_one_key_and_at_least_one_figure() -> None:
    assert parse_mapping(["Art=supplier_sku", "Qty=quantity"]) == {"Art": "supplier_sku", "Qty": "quantity"}
    for pairs in (
        ["Art=supplier_sku", "SKU=sku", "Q=quantity"],
        ["Q=quantity"],
        ["Art=sku"],
        ["Art=sku", "Q=quantity", "Q=cost"],
        ["Art=sku", "Q=quantity", "R=quantity"],
        ["Art=sku", "Q=qty"],
        ["Art"],
    ):
        with pytest.raises(InvalidInput) as refused:
            parse_mapping(pairs)
        assert refused.value.field == "map", pairs


def test_schedules_and_how_late_a_feed_may_be() -> None:
    assert (parse_every("60m"), parse_every("2h")) == (3600, 7200)
    assert parse_at("18:00, 06:30,18:00") == [390, 1080]
    assert late_after_s("60m", None, None) == 7200
    assert late_after_s("60m", None, 1800) == 1800
    assert late_after_s(None, "06:00,18:00", None) == 24 * 3600
    assert late_after_s(None, "06:00,08:00", None) == 44 * 3600  # the longest gap: 08:00 to 06:00
    start = datetime(2026, 12, 6, 12, 0)
    assert next_due(start, None, "06:00,18:00") == datetime(2026, 12, 6, 18, 0)
    assert next_due(datetime(2026, 12, 6, 18, 0), None, "06:00,18:00") == datetime(2026, 12, 7, 6, 0)
    assert not is_late(start + timedelta(hours=2), start, "60m", None, None)
    assert is_late(start + timedelta(hours=2, seconds=1), start, "60m", None, None)
    for bad in ("4m", "169h", "1d", "m"):
        with pytest.raises(InvalidInput):
            parse_every(bad)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.lists(st.integers(0, 1439), min_size=1, max_size=5),
)
def test_the_next_time_of_day_is_always_later_and_within_a_day(after: datetime, minutes: list[int]) -> None:
    at = ",".join(f"{m // 60:02d}:{m % 60:02d}" for m in minutes)
    due = next_due(after, None, at)
    assert after < due <= after + timedelta(days=1)
    assert due.hour * 60 + due.minute in minutes and due.second == 0


def test_a_row_is_read_with_the_mapping_and_a_bad_cell_names_its_column() -> None:
    mapping = {"Art": "supplier_sku", "Qty": "quantity", "Price": "cost", "EOL": "discontinued"}
    row = read_row(2, {"Art": "A-1", "Qty": "12.0", "Price": "3.5", "EOL": "X"}, mapping, 1000)
    assert row == FeedRow(2, "A-1", 12, Decimal("3.5"), True)
    for cells, column in (
        ({"Art": "", "Qty": "1"}, "Art"),
        ({"Art": "A", "Qty": "-1"}, "Qty"),
        ({"Art": "A", "Qty": "1001"}, "Qty"),
        ({"Art": "A", "Qty": "1", "Price": "1.23456"}, "Price"),
        ({"Art": "A", "Qty": "1", "EOL": "maybe"}, "EOL"),
    ):
        with pytest.raises(CellRefused) as refused:
            read_row(3, cells, mapping, 1000)
        assert refused.value.field == column, cells


def test_only_what_differs_changes_and_a_discontinued_item_offers_none() -> None:
    held = Held(on_hand=5, cost=Decimal("2.00"), discontinued=False)
    assert not row_change(FeedRow(2, "A", 5, Decimal("2.0"), False), held).any
    assert row_change(FeedRow(2, "A", 7, None, None), held) == RowChange(7, None, None)
    assert row_change(FeedRow(2, "A", 7, Decimal("2.5"), True), held) == RowChange(0, Decimal("2.5"), True)
    gone = Held(on_hand=0, cost=Decimal("2.00"), discontinued=True)
    assert not row_change(FeedRow(2, "A", 9, None, True), gone).any
    assert row_change(FeedRow(2, "A", 9, None, False), gone) == RowChange(9, None, False)


def test_a_path_is_within_a_folder_only_below_it() -> None:
    assert within("/srv/feeds/acme.csv", ["/srv/feeds"])
    assert within("/srv/feeds", ["/srv/feeds"])
    assert not within("/srv/feeds-private/x.csv", ["/srv/feeds"])
    assert not within("/etc/passwd", [])
    assert within("/anything", ["/"])
