"""The CLI answers at once: ``--help`` imports no database layer, web framework or service, and the
table it lists commands from says what the command modules really register."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from tests import factories as f
from tests import offer_factories as o
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import merchants
from truecount.entrypoints import cli
from truecount.entrypoints.cli.main import COMMANDS, app, load
from truecount.services.common.scope import Scope

HEAVY = ("sqlalchemy", "fastapi", "starlette", "pydantic_settings", "alembic", "psycopg", "truecount.services")
#: What a read on SQLite has no use for: the settings library, the PostgreSQL driver, the web framework,
#: migrations, every package the write path's listeners are wired from, and the tables of other features.
NOT_FOR_A_READ = (
    "fastapi",
    "starlette",
    "pydantic_settings",
    "alembic",
    "psycopg",
    "httpx",
    "truecount.services.bootstrap",
    "truecount.services.offers",
    "truecount.services.orders",
    "truecount.services.trackers",
    "truecount.services.sync",
    "truecount.services.channels",
    "truecount.settings",
    "truecount.adapters.db.tables.every",
    "truecount.adapters.db.tables.channels",
    "truecount.adapters.db.tables.offers",
    "truecount.adapters.db.tables.orders",
    "truecount.adapters.db.tables.sync",
)

SHOW_IMPORTS = """
import json, sys
sys.argv = ["truecount", *sys.argv[1:]]
from truecount.entrypoints.cli.main import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported_by(*args: str, expect: str = "Usage") -> list[str]:
    done = subprocess.run([sys.executable, "-c", SHOW_IMPORTS, *args], capture_output=True, text=True, timeout=120)
    assert expect in done.stdout, done.stdout + done.stderr
    modules: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return modules


def test_help_imports_no_database_layer_web_framework_or_service() -> None:
    heavy = [m for m in imported_by("--help") if m.startswith(HEAVY)]
    assert heavy == []


def test_a_command_s_help_imports_its_own_module_and_not_the_others() -> None:
    modules = imported_by("stock", "--help")
    assert "truecount.entrypoints.cli.stock_read_cmd" in modules
    assert "truecount.entrypoints.cli.stock_cmd" not in modules
    assert not [m for m in modules if m.startswith(("fastapi", "truecount.entrypoints.cli.offers_cmd"))]


def test_a_read_command_loads_no_listener_settings_library_or_postgresql_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # init stores its key file in the working directory
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    runner = CliRunner()
    for args in (["init"], ["location", "add", "WH1"], ["product", "add", "Tee", "--sku", "TEE-7"]):
        assert runner.invoke(app, ["--db", url, *args]).exit_code == 0
    assert runner.invoke(app, ["--db", url, "receive", "TEE-7", "12", "--at", "WH1"]).exit_code == 0

    modules = imported_by("--db", url, "stock", "TEE-7", expect="TEE-7")

    assert "truecount.services.stock.levels" in modules
    assert [m for m in modules if m.startswith(NOT_FOR_A_READ)] == []


#: What no read needs on either backend: pydantic (Typer would build a pydantic adapter per parameter;
#: the ``str`` ones are read as they are) and the web framework.
NOT_FOR_ANY_READ = ("pydantic", "fastapi", "starlette", "alembic", "truecount.settings", "truecount.services.bootstrap")

SHOW_IMPORTS_AND_COLLECTOR = SHOW_IMPORTS.replace(
    "print(json.dumps(sorted(sys.modules)), file=sys.stderr)",
    "import gc\nprint(json.dumps([gc.isenabled(), sorted(sys.modules)]), file=sys.stderr)",
)


def test_a_read_imports_one_dialect_no_pydantic_and_leaves_the_collector_running(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 4, "WH")
    with db.read() as conn:
        merchant = conn.execute(select(merchants.c.code).where(merchants.c.id == scope.merchant_id)).scalar_one()
    url = db.engine.url.render_as_string(hide_password=False)
    args = ["--db", url, "--merchant", merchant, "stock", "MUG"]

    done = subprocess.run(
        [sys.executable, "-c", SHOW_IMPORTS_AND_COLLECTOR, *args], capture_output=True, text=True, timeout=120
    )

    assert "MUG" in done.stdout and "4" in done.stdout, done.stdout + done.stderr
    collecting, modules = json.loads(done.stderr.strip().splitlines()[-1])
    assert collecting  # paused while starting, running again once the command runs
    other_dialect = "sqlalchemy.dialects.postgresql" if db.is_sqlite else "sqlalchemy.dialects.sqlite"
    assert [m for m in modules if m.startswith((*NOT_FOR_ANY_READ, other_dialect))] == []


def test_parameters_read_as_they_are_still_refuse_what_typer_refuses() -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["history"])
    not_a_number = runner.invoke(app, ["history", "MUG", "--limit", "ten"])
    no_value = runner.invoke(app, ["stock", "--at"])

    assert missing.exit_code == 2 and "Missing argument 'sku'" in missing.output
    assert not_a_number.exit_code == 2 and "Invalid value for '--limit'" in not_a_number.output
    assert "valid integer" in not_a_number.output
    assert no_value.exit_code == 2 and "Option '--at' requires an argument" in no_value.output


def test_a_write_from_the_command_line_still_recomputes_offers(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH")
    f.variant(db, scope, "MUG")
    o.channel(db, scope, "shop", ["WH"])
    o.listing(db, scope, "shop", "MUG")
    with db.read() as conn:
        merchant = conn.execute(select(merchants.c.code).where(merchants.c.id == scope.merchant_id)).scalar_one()
    url = db.engine.url.render_as_string(hide_password=False)

    done = subprocess.run(
        [sys.executable, "-c", SHOW_IMPORTS, "--db", url, "--merchant", merchant, "receive", "MUG", "5", "--at", "WH"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert "recorded" in done.stdout, done.stdout + done.stderr
    assert o.stored(db, scope) == {("shop", "MUG"): 5}


def registered() -> dict[str, tuple[set[str], str]]:
    """What each command module registers: command name → (modules, first paragraph of its help)."""
    found: dict[str, tuple[set[str], str]] = {}
    for info in pkgutil.iter_modules(cli.__path__):
        module = importlib.import_module(f"{cli.__name__}.{info.name}")
        if not hasattr(module, "register"):
            continue
        group = typer.main.get_group(_registered_by(module))
        for name, command in group.commands.items():  # type: ignore[attr-defined]
            help_text = (command.short_help or command.help or "").split("\n\n")[0]
            found.setdefault(name, (set(), help_text))[0].add(info.name)
    return found


def _registered_by(module: object) -> typer.Typer:
    app = typer.Typer()
    module.register(app)  # type: ignore[attr-defined]
    return app


def test_the_command_table_lists_every_registered_command_with_its_module_and_help() -> None:
    real = registered()
    assert sorted(real) == sorted(COMMANDS)
    for name, (modules, help_text) in real.items():
        assert modules <= set(COMMANDS[name][0]), name
        assert COMMANDS[name][1] == help_text, name


def test_every_command_in_the_table_loads_from_its_modules() -> None:
    for name, (modules, _help) in COMMANDS.items():
        assert name in load(modules).commands, name
