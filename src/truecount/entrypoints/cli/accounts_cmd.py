"""``truecount users add|list`` and ``truecount tokens create``: who may use the API and the pages."""

from __future__ import annotations

import typer

from truecount.services.accounts import lifecycle
from truecount.services.accounts import users as accounts

from .common import STATE, console, print_json, translate_errors

users_app = typer.Typer(help="Users who sign in to the pages (and own API tokens).", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens for the HTTP API.", no_args_is_help=True)


@users_app.command("add")
@translate_errors
def users_add(
    name: str = typer.Argument(..., help="User name (no spaces)."),
    role: str = typer.Option(..., "--role", help="admin (everything), staff (movements, scans, orders), viewer."),
    password: str | None = typer.Option(
        None, "--password", help="Password (at least 8 characters); prompted for when left out."
    ),
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing if the user exists already."),
) -> None:
    """Create a user of the merchant (``--merchant``, default ``default``)."""
    accounts.check_role(role)
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    user = accounts.add_user(STATE.db(), STATE.scope(), name, role, password, if_missing=if_missing)
    verb = "created" if user.created else "exists already"
    console.print(f"user {user.name} ({user.role}) {verb}")


@users_app.command("list")
@translate_errors
def users_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the merchant's users and their roles."""
    rows = accounts.list_users(STATE.db(), STATE.scope())
    if as_json:
        print_json(rows)
        return
    for row in rows:
        suffix = "" if row.active else "  (inactive)"
        console.print(f"{row.name}  {row.role}{suffix}")


@tokens_app.command("create")
@translate_errors
def tokens_create(
    user: str = typer.Option(..., "--user", help="The user the token acts as (its role applies)."),
    label: str = typer.Option("", "--label", help="What the token is for."),
) -> None:
    """Create an API token. The token is printed on the last line, once: store it now."""
    token = accounts.create_token(STATE.db(), STATE.scope(), user, label)
    typer.echo(f"token for {user} (send it as 'Authorization: Bearer TOKEN'; it is not shown again):", err=True)
    typer.echo(token)


@tokens_app.command("list")
@translate_errors
def tokens_list(
    user: str | None = typer.Option(None, "--user", help="Only this user's tokens."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List tokens by prefix (the secrets are never stored, so never shown)."""
    rows = accounts.list_tokens(STATE.db(), STATE.scope(), user)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        state = "revoked" if row.revoked else "active"
        console.print(f"{row.prefix}  {row.user}  {state}  {row.created_at:%Y-%m-%d %H:%M}  {row.label}")


@tokens_app.command("revoke")
@translate_errors
def tokens_revoke(prefix: str = typer.Argument(..., help="The token's prefix, from `truecount tokens list`.")) -> None:
    """Revoke a token: it stops working at once."""
    accounts.revoke_token(STATE.db(), STATE.scope(), prefix)
    console.print(f"token {prefix} revoked")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")


@users_app.command("disable")
@translate_errors
def users_disable(name: str = typer.Argument(..., help="The user to disable.")) -> None:
    """Disable a user: their sessions end and their API tokens stop working at once."""
    user = lifecycle.disable_user(STATE.db(), STATE.scope(), name)
    console.print(f"user {user.name} disabled")


@users_app.command("enable")
@translate_errors
def users_enable(name: str = typer.Argument(..., help="The user to enable again.")) -> None:
    """Enable a disabled user again."""
    user = lifecycle.enable_user(STATE.db(), STATE.scope(), name)
    console.print(f"user {user.name} enabled ({user.role})")


@users_app.command("role")
@translate_errors
def users_role(
    name: str = typer.Argument(..., help="The user."),
    role: str = typer.Argument(..., help="admin, staff or viewer."),
) -> None:
    """Change a user's role (the merchant keeps at least one active admin)."""
    user = lifecycle.set_role(STATE.db(), STATE.scope(), name, role)
    console.print(f"user {user.name} is now {user.role}")


@users_app.command("password")
@translate_errors
def users_password(
    name: str = typer.Argument(..., help="The user."),
    password: str | None = typer.Option(
        None, "--password", help="The new password (at least 8 characters); prompted for when left out."
    ),
) -> None:
    """Set a user's password; the user's sessions end (their tokens stay)."""
    if password is None:
        password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    user = lifecycle.set_password(STATE.db(), STATE.scope(), name, password)
    console.print(f"password of {user.name} changed; their sessions have ended")
