"""Supplier feeds from a watched folder: CSV and XLSX applied all or nothing, refusals naming row and
column, the same file again changing nothing; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import feed_factories as ff
from tests import offer_factories as of
from truecount.adapters.db.engine import Database
from truecount.domain.errors import InvalidInput
from truecount.domain.feeds import AddFeed
from truecount.services.common.scope import Scope
from truecount.services.feeds.records import Refusal, add_feed, get_feed, list_feeds
from truecount.services.feeds.run import run_feed
from truecount.services.stock.verify import verify
from truecount.services.suppliers.records import get_supplier

HEADER = "Art.Nr,Name,Bestand,Preis,EOL\n"


def test_a_folder_feed_applies_the_newest_csv_and_the_same_figures_again_change_nothing(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    ff.dropshipper(db, scope)
    ff.feed(db, scope, tmp_path)
    ff.write_csv(tmp_path, "old.csv", HEADER + "AC-SNK,Sneaker,99,1.00,no\n", 1_000)
    ff.write_csv(tmp_path, "stock-2.csv", HEADER + "AC-SNK,Sneaker,7,12.50,no\nAC-CAP,Cap,3,10.00,\n", 2_000)

    run = ff.run(db, scope)

    assert (run.outcome, run.file, run.rows_read, run.rows_changed, run.movements) == (
        "applied", "stock-2.csv", 2, 2, 2,
    )  # fmt: skip
    assert ff.at_supplier(db, scope) == {"SNK": 7, "CAP": 3}
    assert ff.costs(db, scope) == {"CAP": "10.00", "SNK": "12.50"}
    assert of.stored(db, scope) == {("web", "SNK"): 7, ("web", "CAP"): 5}
    again = ff.run(db, scope)
    assert again.outcome == "no_new_file"
    ff.write_csv(tmp_path, "stock-3.csv", HEADER + "AC-SNK,Sneaker,7,12.50,no\nAC-CAP,Cap,3,10.00,\n", 3_000)
    same = ff.run(db, scope)
    assert (same.outcome, same.rows_read, same.rows_changed, same.movements) == ("unchanged", 2, 0, 0)
    assert ff.feed_movements(db, scope) == 2
    shown = get_feed(db, scope, "ACME")
    assert [r.outcome for r in shown.runs] == ["unchanged", "no_new_file", "applied"]
    assert not shown.stale and shown.last_good_at is not None
    assert verify(db, scope) == []


def test_an_xlsx_feed_marks_a_discontinued_item_and_offers_none_of_it(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    ff.dropshipper(db, scope)
    ff.feed(db, scope, tmp_path / "*.xlsx")
    ff.write_xlsx(tmp_path, "acme.xlsx", [["Art.Nr", "Bestand", "Preis", "EOL"], ["AC-SNK", 12, 11.5, "no"],
                                          ["AC-CAP", 40, 10, "yes"]], 1_000)  # fmt: skip
    ff.write_csv(tmp_path, "ignored.csv", "not,a,feed\n", 5_000)  # newer, but not *.xlsx

    run = ff.run(db, scope)

    assert (run.outcome, run.file, run.rows_changed) == ("applied", "acme.xlsx", 2)
    assert ff.at_supplier(db, scope) == {"SNK": 12}  # CAP discontinued: 0 at the supplier
    assert ff.costs(db, scope) == {"CAP": "10.00", "SNK": "11.50"}
    assert {i.sku: i.discontinued for i in get_supplier(db, scope, "ACME").items or []} == {"CAP": True, "SNK": False}
    assert of.stored(db, scope) == {("web", "SNK"): 12, ("web", "CAP"): 2}
    assert verify(db, scope) == []


def test_a_bad_row_refuses_the_run_naming_row_and_column_and_changes_nothing(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    ff.dropshipper(db, scope)
    ff.feed(db, scope, tmp_path)
    ff.write_csv(tmp_path, "a.csv", HEADER + "AC-SNK,Sneaker,5,10.00,no\n", 1_000)
    assert ff.run(db, scope).outcome == "applied"
    body = "AC-SNK,Sneaker,9,9.00,no\nAC-CAP,Cap,lots,10.00,no\nAC-XYZ,Who,1,1.00,no\nAC-SNK,Again,1,1.00,no\n"
    ff.write_csv(tmp_path, "b.csv", HEADER + body, 2_000)

    run = ff.run(db, scope)

    assert (run.outcome, run.rows_read, run.rows_changed, run.movements) == ("refused", 4, 0, 0)
    assert run.refused == [
        Refusal(3, "Bestand", "'lots' is not a whole number of 0 or more"),
        Refusal(4, "Art.Nr", "no item of supplier ACME has supplier SKU 'AC-XYZ'"),
        Refusal(5, "Art.Nr", "SNK is named again (first in row 2)"),
    ]
    assert ff.at_supplier(db, scope) == {"SNK": 5}
    assert ff.costs(db, scope) == {"CAP": "10.00", "SNK": "10.00"}
    assert ff.feed_movements(db, scope) == 1
    assert of.stored(db, scope) == {("web", "SNK"): 5, ("web", "CAP"): 2}
    ff.write_csv(tmp_path, "c.csv", "Art.Nr,Menge\nAC-SNK,1\n", 3_000)
    wrong = ff.run(db, scope)
    assert wrong.outcome == "refused"
    assert wrong.refused == [Refusal(1, "header", "missing column(s) Bestand, Preis, EOL (the mapping reads them)")]
    assert ff.at_supplier(db, scope) == {"SNK": 5}


def test_a_local_feed_reads_only_inside_the_folders_feeds_may_read(db: Database, scope: Scope, tmp_path: Path) -> None:
    ff.dropshipper(db, scope)
    allowed, outside = tmp_path / "feeds", tmp_path / "private"
    allowed.mkdir()
    outside.mkdir()
    (outside / "secret.csv").write_text("Art.Nr,Bestand,Preis,EOL\nAC-SNK,1,1.00,no\n", encoding="utf-8")
    for source, folders, said in (
        (outside, [str(allowed)], "is outside the folders feeds may read"),
        (allowed / ".." / "private", [str(allowed)], "is outside the folders feeds may read"),
        (allowed, [], "local feed paths are off"),
        (Path("feeds"), [str(allowed)], "must be an absolute path"),
    ):
        with pytest.raises(InvalidInput) as refused:
            add_feed(db, scope, AddFeed("ACME", str(source), ff.MAPPING, every="60m"), folders=folders)
        assert refused.value.field == "source" and said in refused.value.message, source
    assert list_feeds(db, scope) == []
    add_feed(db, scope, AddFeed("ACME", str(allowed), ff.MAPPING, every="60m"), folders=[str(allowed)])
    (allowed / "link.csv").symlink_to(outside / "secret.csv")  # a link in the folder to a file outside it

    run = run_feed(db, scope, "ACME", folders=[str(allowed)])

    assert (run.outcome, run.rows_read) == ("failed", 0)
    assert run.error is not None and "outside the folders feeds may read" in run.error
    assert ff.at_supplier(db, scope) == {}
