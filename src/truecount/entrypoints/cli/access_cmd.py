"""``truecount access grant|revoke``: let a user of another merchant (a 3PL's staff) act for this one."""

from __future__ import annotations

import typer

from truecount.services.accounts import merchant_access

from .common import STATE, console, translate_errors

access_app = typer.Typer(
    help="Let a user of another merchant (e.g. your 3PL) act for this merchant (--merchant).", no_args_is_help=True
)


@access_app.command("grant")
@translate_errors
def grant(
    user: str = typer.Argument(..., help="The user's name."),
    user_merchant: str = typer.Option(..., "--user-merchant", help="The merchant the user belongs to."),
) -> None:
    """Let USER of --user-merchant act for the merchant given by --merchant (their own role applies)."""
    result = merchant_access.grant(STATE.db(), STATE.scope(), user_merchant, user)
    verb = "granted" if result.created else "already granted (or their own merchant)"
    console.print(f"access for {user} of {user_merchant}: {verb}", soft_wrap=True)


@access_app.command("revoke")
@translate_errors
def revoke(
    user: str = typer.Argument(..., help="The user's name."),
    user_merchant: str = typer.Option(..., "--user-merchant", help="The merchant the user belongs to."),
) -> None:
    """Take back USER's access to the merchant given by --merchant."""
    merchant_access.revoke(STATE.db(), STATE.scope(), user_merchant, user)
    console.print(f"access for {user} of {user_merchant}: revoked", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(access_app, name="access")
