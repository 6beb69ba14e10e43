"""The CLI answers at once: ``--help`` imports no database layer, web framework or service, and the
table it lists commands from says what the command modules really register."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import typer

from truecount.entrypoints import cli
from truecount.entrypoints.cli.main import COMMANDS, load

HEAVY = ("sqlalchemy", "fastapi", "starlette", "pydantic_settings", "alembic", "psycopg", "truecount.services")

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


def imported_by(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", SHOW_IMPORTS, *args], capture_output=True, text=True, timeout=120)
    assert "Usage" in done.stdout, done.stdout + done.stderr
    modules: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return modules


def test_help_imports_no_database_layer_web_framework_or_service() -> None:
    heavy = [m for m in imported_by("--help") if m.startswith(HEAVY)]
    assert heavy == []


def test_a_command_s_help_imports_its_own_module_and_not_the_others() -> None:
    modules = imported_by("stock", "--help")
    assert "truecount.entrypoints.cli.stock_cmd" in modules
    assert not [m for m in modules if m.startswith(("fastapi", "truecount.entrypoints.cli.offers_cmd"))]


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
