"""The README stays accurate: every setting and every ledger command is documented there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from truecount.entrypoints.cli import catalog, catalog_edit_cmd, demo_cmd, io_cmd, stock_cmd
from truecount.settings import Settings

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_configuration_table(name: str) -> None:
    assert f"`TRUECOUNT_{name.upper()}`" in README


def ledger_commands() -> list[str]:
    app = typer.Typer()
    for module in (catalog, catalog_edit_cmd, stock_cmd, io_cmd, demo_cmd):
        module.register(app)
    names = [str(c.name or (c.callback.__name__ if c.callback else "")) for c in app.registered_commands]
    for group in app.registered_groups:
        assert group.typer_instance is not None
        names += [f"{group.name} {c.name}" for c in group.typer_instance.registered_commands]
    return ["init", *names]


@pytest.mark.parametrize("command", ledger_commands())
def test_every_ledger_command_is_in_the_cli_reference(command: str) -> None:
    group, _, sub = command.partition(" ")
    spans = re.findall(r"`truecount ([^`]*)`", README)  # e.g. `truecount import locations\\|products FILE.csv`
    words = [re.split(r"[\s\\|]+", span) for span in spans]
    assert any(w[0] == group and (not sub or sub in w[1:]) for w in words), command
