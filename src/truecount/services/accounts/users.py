"""Users, API tokens and sign-in sessions: who may call, for which merchant, with which role.

Passwords are hashed with argon2; tokens and session secrets are random and stored only
as SHA-256 digests (they carry enough entropy that a slow hash adds nothing).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.accounts import api_tokens, sessions, users
from truecount.adapters.db.tables.catalog import merchants
from truecount.domain.accounts import Principal, Role
from truecount.domain.errors import AlreadyExists, InvalidInput, NotFound, Unauthorized
from truecount.services.accounts import credential_cache
from truecount.services.common.scope import Scope, db_time, utcnow

from .passwords import hash_password, verify_password
from .throttle import SignInThrottle

MIN_PASSWORD = 8
MAX_PASSWORD = 1000
SESSION_TTL = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class UserAdded:
    """A user of the merchant as :func:`add_user` left it; ``created`` false: it existed already."""

    id: int
    name: str
    role: str
    created: bool


@dataclass(frozen=True, slots=True)
class UserRow:
    """A user as the list shows it."""

    name: str
    role: str
    active: bool


@dataclass(frozen=True, slots=True)
class TokenRow:
    """An API token as the list shows it: its prefix and owner, never the secret."""

    prefix: str
    user: str
    label: str
    created_at: datetime
    revoked: bool


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_role(role: str) -> str:
    roles = [r.value for r in Role]
    if role not in roles:
        raise InvalidInput(f"must be one of {', '.join(roles)}", field="role")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"must be at least {MIN_PASSWORD} characters", field="password")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"must be at most {MAX_PASSWORD} characters", field="password")
    return password


def add_user(db: Database, scope: Scope, name: str, role: str, password: str, *, if_missing: bool = False) -> UserAdded:
    """Create a user of ``scope``'s merchant. ``if_missing`` returns the existing user instead of refusing."""
    if not name or any(ch.isspace() for ch in name) or len(name) > 100:
        raise InvalidInput("is required: up to 100 characters, no spaces", field="name")
    check_role(role)
    check_password(password)
    hashed = hash_password(password)  # before the transaction: a write lock is never held while hashing
    with db.write() as conn:
        found = conn.execute(
            select(users.c.id, users.c.role).where(users.c.merchant_id == scope.merchant_id, users.c.name == name)
        ).first()
        if found is not None:
            if if_missing:
                return UserAdded(int(found[0]), name, found[1], created=False)
            raise AlreadyExists(f"user {name!r} already exists", field="name")
        pk = conn.execute(
            insert(users).values(
                merchant_id=scope.merchant_id,
                name=name,
                password_hash=hashed,
                role=role,
                active=True,
                created_at=db_time(utcnow()),
            )
        ).inserted_primary_key
    assert pk is not None
    return UserAdded(int(pk[0]), name, role, created=True)


def list_users(db: Database, scope: Scope) -> list[UserRow]:
    """The merchant's users by name."""
    with db.read() as conn:
        rows = conn.execute(
            select(users.c.name, users.c.role, users.c.active)
            .where(users.c.merchant_id == scope.merchant_id)
            .order_by(users.c.name)
        ).all()
    return [UserRow(r[0], r[1], bool(r[2])) for r in rows]


def count_users(db: Database, merchant_id: int) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).where(users.c.merchant_id == merchant_id)).scalar_one())


def create_token(db: Database, scope: Scope, user_name: str, label: str = "") -> str:
    """A new bearer token for ``user_name``; it is shown once, only its digest is stored."""
    prefix = secrets.token_hex(6)
    token = f"tc_{scope.merchant_id}_{prefix}{secrets.token_urlsafe(24)}"
    with db.write() as conn:
        user_id = _user_id(conn, scope.merchant_id, user_name)
        conn.execute(
            insert(api_tokens).values(
                merchant_id=scope.merchant_id,
                user_id=user_id,
                prefix=prefix,
                token_hash=_digest(token),
                label=label or f"token for {user_name}",
                created_at=db_time(utcnow()),
            )
        )
    return token


def list_tokens(db: Database, scope: Scope, user_name: str | None = None) -> list[TokenRow]:
    """The merchant's tokens (prefix, owner, label, when created, whether revoked), never the secrets."""
    t, u = api_tokens.c, users.c
    stmt = (
        select(t.prefix, u.name, t.label, t.created_at, t.revoked_at)
        .join(users, users.c.id == t.user_id)
        .where(t.merchant_id == scope.merchant_id)
        .order_by(t.created_at, t.prefix)
    )
    if user_name is not None:
        stmt = stmt.where(u.name == user_name)
    with db.read() as conn:
        rows = conn.execute(stmt).all()
    return [TokenRow(r[0], r[1], r[2], r[3], r[4] is not None) for r in rows]


def revoke_token(db: Database, scope: Scope, prefix: str) -> None:
    """Revoke a token by its prefix (the 12 characters after ``tc_<merchant>_``); it stops working at once."""
    with db.write() as conn:
        hit = conn.execute(
            update(api_tokens)
            .where(api_tokens.c.merchant_id == scope.merchant_id, api_tokens.c.prefix == prefix)
            .values(revoked_at=db_time(utcnow()))
        ).rowcount
    credential_cache.forget_all(db)  # this process stops honouring it now; others within auth_cache_s
    if not hit:
        raise NotFound(f"no token with prefix {prefix!r}", field="prefix")


def _user_id(conn: Connection, merchant_id: int, name: str) -> int:
    found = conn.execute(select(users.c.id).where(users.c.merchant_id == merchant_id, users.c.name == name)).scalar()
    if found is None:
        raise NotFound(f"no user {name!r}", field="user")
    return int(found)


def principal_for_token(db: Database, token: str) -> Principal:
    """The user a bearer token belongs to, or :class:`Unauthorized`."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "tc" or not parts[1].isdigit() or len(parts[2]) < 13:
        raise Unauthorized("the bearer token is malformed", field="authorization")
    merchant_id, prefix = int(parts[1]), parts[2][:12]
    t, u = api_tokens.c, users.c
    with db.read() as conn:
        row = conn.execute(
            select(t.token_hash, t.revoked_at, u.id, u.name, u.role, u.active)
            .join(users, users.c.id == t.user_id)
            .where(t.merchant_id == merchant_id, t.prefix == prefix)
        ).first()
    if row is None or not secrets.compare_digest(row[0], _digest(token)) or row[1] is not None or not row[5]:
        raise Unauthorized("the bearer token is unknown or revoked", field="authorization")
    return Principal(int(row[2]), merchant_id, row[3], row[4], "token")


def sign_in(
    db: Database,
    merchant_code: str,
    name: str,
    password: str,
    *,
    client: str = "",
    throttle: SignInThrottle | None = None,
) -> tuple[str, Principal]:
    """Check a password; on success open a session. Returns the session value for the cookie.

    With a ``throttle``, an account or client address that failed too often in a row is refused
    (:class:`~truecount.domain.errors.TooManyAttempts`, 429) before the password is checked at all.
    """
    refused = Unauthorized("wrong merchant, user name or password", field="password")
    keys = SignInThrottle.keys(merchant_code, name, client)
    if throttle is not None:
        throttle.check(keys)
    u = users.c
    with db.read() as conn:
        row = conn.execute(
            select(u.id, u.merchant_id, u.name, u.role, u.password_hash, u.active)
            .join(merchants, merchants.c.id == u.merchant_id)
            .where(merchants.c.code == merchant_code, u.name == name)
        ).first()
    usable = row is not None and bool(row[5])
    # the same work whether or not the user exists (or is disabled): a dummy hash is checked instead
    if not verify_password(row[4] if usable and row is not None else None, password) or row is None:
        if throttle is not None:
            throttle.failed(keys)
        raise refused
    if throttle is not None:
        throttle.succeeded(keys[0])
    principal = Principal(int(row[0]), int(row[1]), row[2], row[3], "session")
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    with db.write() as conn:
        conn.execute(
            delete(sessions).where(
                sessions.c.merchant_id == principal.merchant_id,
                sessions.c.user_id == principal.user_id,
                sessions.c.expires_at < db_time(now),
            )
        )
        conn.execute(
            insert(sessions).values(
                merchant_id=principal.merchant_id,
                id_hash=_digest(secret),
                user_id=principal.user_id,
                created_at=db_time(now),
                expires_at=db_time(now + SESSION_TTL),
            )
        )
    return f"{principal.merchant_id}.{secret}", principal


@dataclass(frozen=True, slots=True)
class SessionFound:
    """The user behind a live session, and how long the session has left (seconds)."""

    principal: Principal
    valid_s: float


def find_session(db: Database, value: str) -> SessionFound:
    """The user behind a (signature-checked) session value and the session's time left, or
    :class:`Unauthorized` (unknown, signed out, expired, or its user disabled)."""
    merchant_part, _, secret = value.partition(".")
    if not merchant_part.isdigit() or not secret:
        raise Unauthorized("the session is malformed: sign in again", field="session")
    s, u = sessions.c, users.c
    with db.read() as conn:
        row = conn.execute(
            select(u.id, u.name, u.role, u.active, s.expires_at)
            .join(users, users.c.id == s.user_id)
            .where(s.merchant_id == int(merchant_part), s.id_hash == _digest(secret))
        ).first()
    now = db_time(utcnow())
    if row is None or not row[3] or row[4] < now:
        raise Unauthorized("the session has ended: sign in again", field="session")
    principal = Principal(int(row[0]), int(merchant_part), row[1], row[2], "session")
    return SessionFound(principal, (row[4] - now).total_seconds())


def sign_out(db: Database, value: str) -> None:
    merchant_part, _, secret = value.partition(".")
    if not merchant_part.isdigit():
        return
    with db.write() as conn:
        conn.execute(
            delete(sessions).where(sessions.c.merchant_id == int(merchant_part), sessions.c.id_hash == _digest(secret))
        )
    credential_cache.forget_all(db)  # this process stops honouring it now; others within auth_cache_s
