"""What a new user meets before the database exists: a named refusal naming the fix, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from truecount.entrypoints.cli.main import app


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stderr


def test_a_command_before_init_names_init_and_creates_no_file(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    code, err = run("--db", f"sqlite:///{path}", "stock")
    assert code == 1
    assert "db: no database file" in err and "truecount init" in err
    assert not path.exists()


def test_a_database_without_the_schema_names_init(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE unrelated (a INTEGER)")
    code, err = run("--db", f"sqlite:///{path}", "receive", "TEE", "1", "--at", "WH1")
    assert code == 1
    assert "has no truecount schema yet" in err and "truecount init" in err


def test_after_init_the_same_command_works(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert run("--db", url, "init")[0] == 0
    code, err = run("--db", url, "stock")
    assert code == 0 and "no stock" in err


@pytest.mark.parametrize("url", ["not a url", "mysql://shop@localhost/shop"])
def test_a_url_truecount_cannot_use_is_refused_by_name(url: str) -> None:
    code, err = run("--db", url, "stock")
    assert code == 1
    assert "db:" in err and "sqlite:///FILE or postgresql://USER@HOST/DB" in err


def test_an_unreachable_postgresql_is_reported_without_its_password() -> None:
    code, err = run("--db", "postgresql://postgres:s3cret@127.0.0.1:1/nowhere", "stock")
    assert code == 1
    assert "error (database)" in err and "Connection refused" in err
    assert "s3cret" not in err and "Traceback" not in err


def test_a_table_written_to_a_pipe_keeps_whole_codes_and_dates(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    sku, where = "HOODIE-ORGANIC-OATMEAL-XXL", "WAREHOUSE-NORTH-AISLE-A01"
    for args in (
        ("init",),
        ("location", "add", where),
        ("product", "add", "Organic hoodie", "--sku", sku),
        ("receive", sku, "4", "--at", where, "--lot", "LOT-2026-11-A", "--expires", "2027-03-31"),
    ):
        assert run("--db", url, *args)[0] == 0, args
    table = CliRunner().invoke(app, ["--db", url, "stock"], env={"COLUMNS": None}).stdout  # no width asked for
    assert sku in table and where in table and "LOT-2026-11-A×4 (exp 2027-03-31)" in table
