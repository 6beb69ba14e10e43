"""What every CLI command shares: the database, the scope, error translation, output.

Light to import (``truecount --help`` imports this and Typer only): the database layer, the
settings and the services are imported when a command first asks for them.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from truecount.domain.errors import TruecountError

if TYPE_CHECKING:
    from truecount.adapters.db.engine import Database
    from truecount.services.common.scope import Scope

console = Console()
PIPED_WIDTH = 240  # columns for tables written to a pipe or a file


def fit_output_to_destination() -> None:
    """Output piped or redirected is not cut to 80 columns: tables keep whole SKUs, codes and dates.

    A terminal keeps its own width; an explicit ``COLUMNS`` (read now, not at import) is respected.
    """
    if not console.is_terminal:
        columns = os.environ.get("COLUMNS", "")
        console.width = int(columns) if columns.isdigit() and int(columns) > 0 else PIPED_WIDTH


err_console = Console(stderr=True, soft_wrap=True)  # refusals stay on one greppable line

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class CliState:
    """Built once per invocation from the global options."""

    db_url: str | None = None
    merchant: str | None = None
    _db: Database | None = field(default=None, repr=False)
    _wired: bool = field(default=False, repr=False)

    def use(self, db_url: str | None, merchant: str | None) -> None:
        """Start over with these global options (nothing opened yet)."""
        self.db_url, self.merchant, self._db, self._wired = db_url, merchant, None, False

    @property
    def url(self) -> str:
        from truecount.read_settings import read_settings

        return self.db_url or read_settings().database_url

    def db(self) -> Database:
        """The database, with this process's listeners wired: for every command that writes."""
        if not self._wired:
            from truecount.services.bootstrap import wire
            from truecount.settings import get_settings

            settings = get_settings()
            if settings.channel_secrets_key:  # else derived from the secret key, read once (secrets.vault)
                from truecount.services.channels import secrets

                secrets.use_key(settings.channel_secrets_key)
            wire()
            self._wired = True
        return self.read_db()

    def read_db(self) -> Database:
        """The database with nothing wired, for a command that only reads: it loads none of the
        listeners' packages (a write through it before :meth:`db` is refused: ``NotWired``)."""
        if self._db is None:
            from truecount.read_settings import read_settings
            from truecount.services.common.opening import open_unwired

            settings = read_settings()
            self._db = open_unwired(
                self.url, busy_timeout_ms=settings.sqlite_busy_timeout_ms, pool_size=settings.pg_pool_size
            )
        return self._db

    def scope(self) -> Scope:
        from truecount.read_settings import read_settings
        from truecount.services.common.opening import merchant_scope

        settings = read_settings()
        actor = settings.actor or f"cli:{getpass.getuser()}"
        return merchant_scope(self.read_db(), self.merchant or settings.merchant, actor, settings.max_quantity)


STATE = CliState()


def translate_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """The one place a refusal becomes a CLI message: ``error: field: reason`` and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except TruecountError as error:
            err_console.print(f"[bold red]error[/] ({error.code}): {error}", highlight=False)
            for detail in error.details:
                err_console.print(f"  {json.dumps(detail, default=str)}", highlight=False)
            raise typer.Exit(1) from None
        except Exception as error:
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import InterfaceError, OperationalError

            from truecount.adapters.db.engine import is_out_of_range
            from truecount.domain.ledger import PAST_STORED_LIMIT

            if is_out_of_range(error):
                err_console.print(f"[bold red]error[/] (invalid_input): quantity: {PAST_STORED_LIMIT}", highlight=False)
                raise typer.Exit(1) from None
            if not isinstance(error, OperationalError | InterfaceError):
                raise
            # the database cannot be reached or used
            reason = str(error.orig or error).strip().splitlines()[0]
            url = make_url(STATE.url).render_as_string(hide_password=True)
            err_console.print(f"[bold red]error[/] (database): db: {url}: {reason}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper


def print_json(data: Any) -> None:
    typer.echo(json.dumps(plain(data), indent=2, default=str))


def plain(data: Any) -> Any:
    """A service's typed result as ``--json`` prints it: dataclasses become objects in field order;
    ``replayed`` is printed only on a replay (true), as it always was."""
    if is_dataclass(data) and not isinstance(data, type):
        return {
            f.name: plain(getattr(data, f.name)) for f in fields(data) if f.name != "replayed" or getattr(data, f.name)
        }
    if isinstance(data, list | tuple):
        return [plain(item) for item in data]
    if isinstance(data, dict):
        return {k: plain(v) for k, v in data.items()}
    return data
