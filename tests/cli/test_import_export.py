"""CSV import and export: all or nothing, errors name the row and column, export round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli

PRODUCTS = """product,sku,barcodes,options,tracked,discontinued,sellable_from,components
Classic tee,TEE-S,5012345678900,size=S;colour=black,true,false,,
Classic tee,TEE-M,5012345678917,size=M;colour=black,,,,
Gift card,GIFT-25,,,false,,,
Twin pack,TEE-2PK,,,,,2030-01-01,TEE-M:2
"""
STOCK = """sku,location,quantity,inventory_type,lot,expires_on,reference,mode
TEE-S,WH1,5,,,,PO-1,
TEE-M,WH1,7,good,L1,2030-05-01,PO-1,receive
TEE-M,WH1,2,damaged,,,PO-1,receive
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stock_of(cli: Cli) -> list[tuple[object, ...]]:
    rows = json.loads(cli("stock", "--json").stdout)
    return sorted((r["sku"], r["location"], r["inventory_type"], r["on_hand"]) for r in rows)


def test_products_and_stock_import_and_export_round_trips(cli: Cli, tmp_path: Path) -> None:
    assert cli("location", "add", "WH1").exit_code == 0
    imported = cli("import", "products", str(write(tmp_path, "p.csv", PRODUCTS)))
    assert imported.exit_code == 0 and "3 products with 4 variants" in imported.stdout
    assert cli("import", "stock", str(write(tmp_path, "s.csv", STOCK))).exit_code == 0
    assert stock_of(cli) == [("TEE-M", "WH1", "damaged", 2), ("TEE-M", "WH1", "good", 7), ("TEE-S", "WH1", "good", 5)]
    exported = cli("export", "products")
    assert exported.exit_code == 0
    assert "Twin pack,TEE-2PK,,,true,false,2030-01-01,TEE-M:2" in exported.stdout
    assert "Classic tee,TEE-M,5012345678917,colour=black;size=M,true,false,," in exported.stdout
    stock_csv = cli("export", "stock").stdout
    assert "TEE-M,WH1,7,good,L1,2030-05-01,export,receive" in stock_csv


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bad_sku.csv", "product,sku\nTee,T1\nTee,T 2\n", "row 3, column sku"),
        ("dup.csv", "product,sku\nTee,T1\nMug,T1\n", "row 3, column sku"),
        ("component.csv", "product,sku,components\nPack,P1,NOPE:2\n", "row 2, column components"),
        ("flag.csv", "product,sku,tracked\nTee,T1,maybe\n", "row 2, column tracked"),
        ("date.csv", "product,sku,sellable_from\nTee,T1,next week\n", "row 2, column sellable_from"),
        ("header.csv", "name,sku\nTee,T1\n", "unknown column(s) name"),
        ("missing.csv", "product\nTee\n", "missing column(s) sku"),
        ("ragged.csv", "product,sku\nTee,T1,extra\n", "row 2"),
        ("empty.csv", "", "empty"),
        ("semicolons.csv", "product;sku\nTee;T1\n", "separate columns with commas"),
        ("twice.csv", "product,sku,sku\nTee,T1,T2\n", "column(s) sku appear more than once"),
        ("unnamed.csv", "product,sku,\nTee,T1,\n", "column(s) 3 have no name"),
        ("nul.csv", "product,sku\nTee,T\x001\n", "row 2, column sku"),
        (
            "blank_lines.csv",
            "product,sku\n\nTee,T1\n,\nTee,T 2\n",
            "row 4, column sku",
        ),  # an empty line is not numbered
        (
            "short_row.csv",
            "product,sku,tracked\nTee,T1\nTee,T2,maybe\n",
            "row 3, column tracked",
        ),  # missing cells: empty
        ("long.csv", "product,sku\nTee," + "T" * 1001 + "\n", "row 2, column sku: is longer than 1000 characters"),
    ],
)
def test_a_bad_products_file_is_refused_whole_naming_the_row_and_column(
    cli: Cli, tmp_path: Path, name: str, text: str, expected: str
) -> None:
    result = cli("import", "products", str(write(tmp_path, name, text)))
    assert result.exit_code == 1
    assert expected in result.stderr.replace("\n", " ")
    assert cli("export", "products").stdout.strip().count("\n") == 0  # header only: nothing was written


def test_a_bad_stock_row_refuses_the_whole_file(cli: Cli, tmp_path: Path) -> None:
    cli("location", "add", "WH1")
    cli("import", "products", str(write(tmp_path, "p.csv", PRODUCTS)))
    cases = {
        "qty.csv": ("sku,location,quantity\nTEE-S,WH1,5\nTEE-S,WH1,abc\n", "row 3, column quantity"),
        "zero.csv": ("sku,location,quantity\nTEE-S,WH1,5\nTEE-S,WH1,0\n", "row 3, column quantity"),
        "where.csv": ("sku,location,quantity\nTEE-S,WH1,5\nTEE-S,MARS,1\n", "row 3, column location"),
        "sku.csv": ("sku,location,quantity\nNOPE,WH1,5\n", "row 2, column sku"),
        "mode.csv": ("sku,location,quantity,mode\nTEE-S,WH1,5,steal\n", "row 2, column mode"),
        "absurd.csv": ("sku,location,quantity\nTEE-S,WH1,1000000000001\n", "row 2, column quantity"),
    }
    for name, (text, expected) in cases.items():
        result = cli("import", "stock", str(write(tmp_path, name, text)))
        assert result.exit_code == 1, name
        assert expected in result.stderr.replace("\n", " "), (name, result.stderr)
    assert stock_of(cli) == []


def test_a_file_that_is_not_utf8_is_refused(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("product,sku\nT\xe9e,T1\n".encode("latin-1"))
    result = cli("import", "products", str(path))
    assert result.exit_code == 1 and "not UTF-8" in result.stderr


LOCATIONS = """code,name,kind,parent,saleable,priority
WH1,Main warehouse,warehouse,,,10
WH1-A,Aisle A,warehouse,WH1,true,
SHOP,High street,store,,false,50
DROP,Acme,dropship,,,
"""


def test_an_export_of_locations_products_and_stock_imports_into_an_empty_merchant_unchanged(
    cli: Cli, other_cli: Cli, tmp_path: Path
) -> None:
    assert cli("import", "locations", str(write(tmp_path, "l.csv", LOCATIONS))).exit_code == 0
    assert cli("import", "products", str(write(tmp_path, "p.csv", PRODUCTS))).exit_code == 0
    assert cli("import", "stock", str(write(tmp_path, "s.csv", STOCK.replace("WH1,7", "WH1-A,7")))).exit_code == 0
    assert cli("transfer", "TEE-S", "2", "--from", "WH1", "--to", "SHOP").exit_code == 0
    exported = {}
    for what in ("locations", "products", "stock"):
        path = tmp_path / f"out-{what}.csv"
        assert cli("export", what, str(path)).exit_code == 0
        exported[what] = path.read_text(encoding="utf-8")
    for what in ("locations", "products", "stock"):
        result = other_cli("import", what, str(tmp_path / f"out-{what}.csv"))
        assert result.exit_code == 0, (what, result.output)
    for what in ("locations", "products", "stock"):
        assert other_cli("export", what).stdout == exported[what], what
    assert stock_of(other_cli) == stock_of(cli)
    assert other_cli("verify").exit_code == 0


def test_a_bin_whose_parent_is_unknown_refuses_the_locations_file(cli: Cli, tmp_path: Path) -> None:
    text = "code,parent,kind\nWH1,,warehouse\nWH1-A,WH9,warehouse\nWH2,,moon\n"
    result = cli("import", "locations", str(write(tmp_path, "l.csv", text)))
    assert result.exit_code == 1
    assert "row 3, column parent" in result.stderr.replace("\n", " ")
    assert cli("export", "locations").stdout.strip().count("\n") == 0  # header only: nothing was written


def test_a_path_that_is_not_a_readable_file_is_refused_by_name(cli: Cli, tmp_path: Path) -> None:
    result = cli("import", "stock", str(tmp_path))
    assert result.exit_code == 1 and "file:" in result.stderr and "cannot be read" in result.stderr
    missing = cli("import", "products", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_an_export_to_a_place_that_cannot_be_written_is_refused_by_name(cli: Cli, tmp_path: Path) -> None:
    result = cli("export", "products", str(tmp_path / "no" / "such" / "dir.csv"))
    assert result.exit_code == 1 and "file:" in result.stderr and "cannot be written" in result.stderr
