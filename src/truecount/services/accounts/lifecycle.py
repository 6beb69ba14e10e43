"""A user's lifecycle after creation: disable, enable, change role, set a new password.

Every change takes effect at once: a disabled user's sessions are ended (deleted) and their tokens
refused from the next request (the user row is read with every token and session; this process's
token cache is cleared); a new password ends the user's sessions (other devices sign in again).
The merchant always keeps one active admin: disabling or demoting the last one is refused
(:class:`~truecount.domain.errors.Conflict`), so nobody can lock the merchant out of its own users page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.accounts import sessions, users
from truecount.domain.accounts import Role
from truecount.domain.errors import Conflict, NotFound
from truecount.services.common.scope import Scope

from . import credential_cache
from .passwords import hash_password
from .users import UserRow, check_password, check_role


def disable_user(db: Database, scope: Scope, name: str) -> UserRow:
    """Disable a user: their sessions end and their tokens stop working at once."""
    return _change(db, scope, name, active=False)


def enable_user(db: Database, scope: Scope, name: str) -> UserRow:
    """Enable a disabled user again (their tokens that were not revoked work again; they sign in anew)."""
    return _change(db, scope, name, active=True)


def set_role(db: Database, scope: Scope, name: str, role: str) -> UserRow:
    """Give a user another role (``viewer``, ``staff``, ``admin``); it applies from their next request."""
    return _change(db, scope, name, role=check_role(role))


def set_password(db: Database, scope: Scope, name: str, password: str) -> UserRow:
    """Set a user's password (an admin's reset); the user's sessions end, their tokens stay."""
    hashed = hash_password(check_password(password))  # before the transaction: no lock held while hashing
    return _change(db, scope, name, password_hash=hashed)


def _change(db: Database, scope: Scope, name: str, **values: Any) -> UserRow:
    m = scope.merchant_id
    with db.write() as conn:
        row = conn.execute(
            select(users.c.id, users.c.role, users.c.active).where(users.c.merchant_id == m, users.c.name == name)
        ).first()
        if row is None:
            raise NotFound(f"no user {name!r}", field="name")
        user_id, role, active = int(row[0]), str(row[1]), bool(row[2])
        loses_admin = (
            role == Role.ADMIN
            and active
            and (values.get("active") is False or values.get("role", Role.ADMIN) != Role.ADMIN)
        )
        if loses_admin and _active_admins(conn, m) <= 1:
            raise Conflict(f"{name} is the last active admin: make another user admin first", field="name")
        conn.execute(update(users).where(users.c.merchant_id == m, users.c.id == user_id).values(**values))
        if values.get("active") is False or "password_hash" in values:
            conn.execute(delete(sessions).where(sessions.c.merchant_id == m, sessions.c.user_id == user_id))
        found = conn.execute(select(users.c.name, users.c.role, users.c.active).where(users.c.id == user_id)).one()
    credential_cache.forget_all(db)  # this process honours the change now (others within auth_cache_s)
    return UserRow(str(found[0]), str(found[1]), bool(found[2]))


def _active_admins(conn: Connection, merchant_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).where(
                users.c.merchant_id == merchant_id, users.c.role == Role.ADMIN.value, users.c.active.is_(True)
            )
        ).scalar_one()
    )
