"""A channel's rules by spreadsheet carry its listings' own steps: exported one row per listing under its
variant, edited, imported back all or nothing; a bad listing row names its row and column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests import factories as f
from tests import offer_factories as of
from truecount.adapters.db.engine import Database
from truecount.domain.commands import ListingChange
from truecount.domain.errors import InvalidInput
from truecount.services.common.scope import Scope
from truecount.services.offers import listing_terms, listings
from truecount.services.offers.rules_sheet import export_rules, import_rules


@pytest.fixture
def shop(db: Database, scope: Scope) -> Scope:
    f.location(db, scope, "WH1")
    f.location(db, scope, "DS1", kind="dropship")
    f.variant(db, scope, "TEE")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "TEE", 40, "WH1")
    f.receive(db, scope, "TEE", 50, "DS1")
    of.channel(db, scope, "amz", ["WH1", "DS1"], kind="amazon")
    of.listing(db, scope, "amz", "TEE", {"seller_sku": "TEE-A"})
    of.listing(db, scope, "amz", "TEE", {"seller_sku": "TEE-B"})
    listing_terms.change_listing(db, scope, "amz", "TEE-A", ListingChange(steps=["cap=10"]))
    return scope


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as src:
        return list(csv.DictReader(src))


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def offered(db: Database, scope: Scope) -> dict[str, tuple[list[str] | None, int | None]]:
    return {r.external_ref: (r.steps, r.quantity) for r in listings.list_listings(db, scope, "amz")}


def test_listing_steps_round_trip_through_the_rules_sheet(db: Database, shop: Scope, tmp_path: Path) -> None:
    path = tmp_path / "rules.csv"
    export_rules(db, shop, "amz", path)
    rows = read(path)
    assert [(r["sku"], r["listing"], r["steps"]) for r in rows] == [
        ("MUG", "", ""),
        ("TEE", "", ""),
        ("TEE", "TEE-A", "cap=10"),
        ("TEE", "TEE-B", ""),
    ]
    rows[2]["steps"] = ""  # TEE-A back to the channel's rule
    rows[3]["steps"] = "percent=30@DS1 reserve=5 cap=20"
    write(path, rows)
    result = import_rules(db, shop, "amz", path)
    assert result.listing_steps == 2
    assert offered(db, shop) == {"TEE-A": (None, 90), "TEE-B": (["percent=30@DS1", "reserve=5", "cap=20"], 10)}


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"steps": "cap=5 percent=150"}, "steps"),
        ({"steps": "base=NOWHERE"}, "steps"),
        ({"listing": "NOPE"}, "listing"),
        ({"kind": "cap", "quantity": "3"}, "kind"),
        ({"sku": "MUG"}, "sku"),
    ],
)
def test_a_bad_listing_row_refuses_the_whole_import_naming_row_and_column(
    db: Database, shop: Scope, tmp_path: Path, change: dict[str, str], column: str
) -> None:
    path = tmp_path / "rules.csv"
    export_rules(db, shop, "amz", path)
    rows = read(path)
    rows[1]["kind"] = "stop_sell"  # a good change elsewhere in the file: not applied either
    rows[3]["steps"] = "cap=1"
    rows[2].update(change)
    write(path, rows)
    with pytest.raises(InvalidInput) as refused:
        import_rules(db, shop, "amz", path)
    assert refused.value.details[0]["row"] == 4 and refused.value.details[0]["column"] == column
    assert offered(db, shop) == {"TEE-A": (["cap=10"], 10), "TEE-B": (None, 90)}


def test_a_file_of_many_bad_rows_counts_them_all_and_lists_the_first_fifty(
    db: Database, shop: Scope, tmp_path: Path
) -> None:
    path = tmp_path / "rules.csv"
    export_rules(db, shop, "amz", path)
    rows = read(path)
    rows[1]["kind"] = "stop_sell"  # a good row: not applied either
    bad = [{**rows[0], "sku": f"GHOST-{n}"} for n in range(70)]
    write(path, rows + bad)
    with pytest.raises(InvalidInput) as refused:
        import_rules(db, shop, "amz", path)
    assert refused.value.message.startswith("70 bad row(s), nothing imported (the first 50 listed); row 6, column sku")
    assert [d["row"] for d in refused.value.details] == list(range(6, 56))
    assert offered(db, shop) == {"TEE-A": (["cap=10"], 10), "TEE-B": (None, 90)}
