"""Which merchants a user may act for: their own, and those that granted them access (a 3PL's staff).

A user belongs to one merchant. A merchant may let a user of another merchant (e.g. the
third-party warehouse that holds its stock) act for it: ``grant``. Such a user keeps their
own role; the pages offer the merchants they may act for in a merchant picker, and every
act is scoped to the merchant picked (:func:`scope_for` refuses any other).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.accounts import users
from truecount.adapters.db.tables.catalog import merchants
from truecount.adapters.db.tables.trackers import merchant_access
from truecount.domain.accounts import Principal
from truecount.domain.errors import Forbidden, NotFound
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.common.sql import insert_ignore


@dataclass(frozen=True)
class MerchantChoice:
    id: int
    code: str
    name: str
    own: bool


@dataclass(frozen=True, slots=True)
class Granted:
    """Access granted (``created`` false: it was there already, or it is the user's own merchant)."""

    user: str
    user_merchant: str
    created: bool


def grant(db: Database, scope: Scope, user_merchant: str, user_name: str) -> Granted:
    """Let ``user_name`` of merchant ``user_merchant`` act for ``scope``'s merchant. Safe to repeat."""
    with db.write() as conn:
        found = conn.execute(
            select(users.c.id, users.c.merchant_id)
            .join(merchants, merchants.c.id == users.c.merchant_id)
            .where(merchants.c.code == user_merchant, users.c.name == user_name)
        ).first()
        if found is None:
            raise NotFound(f"no user {user_name!r} of merchant {user_merchant!r}", field="user")
        user_id, user_merchant_id = int(found[0]), int(found[1])
        created = user_merchant_id != scope.merchant_id and insert_ignore(
            conn,
            merchant_access,
            {
                "merchant_id": scope.merchant_id,
                "user_id": user_id,
                "user_merchant_id": user_merchant_id,
                "granted_at": db_time(utcnow()),
            },
        )
    return Granted(user_name, user_merchant, bool(created))


def revoke(db: Database, scope: Scope, user_merchant: str, user_name: str) -> None:
    with db.write() as conn:
        user_id = conn.execute(
            select(users.c.id)
            .join(merchants, merchants.c.id == users.c.merchant_id)
            .where(merchants.c.code == user_merchant, users.c.name == user_name)
        ).scalar()
        gone = 0
        if user_id is not None:
            gone = conn.execute(
                delete(merchant_access).where(
                    merchant_access.c.merchant_id == scope.merchant_id, merchant_access.c.user_id == user_id
                )
            ).rowcount
        if not gone:
            raise NotFound(f"{user_name!r} of {user_merchant!r} has no access to grant back", field="user")


def merchants_for(db: Database, user: Principal) -> list[MerchantChoice]:
    """The user's own merchant first, then the merchants that granted them access, by code."""
    m = merchants.c
    with db.read() as conn:
        own = conn.execute(select(m.id, m.code, m.name).where(m.id == user.merchant_id)).one()
        granted = conn.execute(
            select(m.id, m.code, m.name)
            .join(merchant_access, merchant_access.c.merchant_id == m.id)
            .where(merchant_access.c.user_merchant_id == user.merchant_id, merchant_access.c.user_id == user.user_id)
            .order_by(m.code)
        ).all()
    return [MerchantChoice(int(own[0]), own[1], own[2], True)] + [
        MerchantChoice(int(r[0]), r[1], r[2], False) for r in granted
    ]


def scope_for(db: Database, user: Principal, merchant_code: str | None, max_quantity: int) -> Scope:
    """The scope to act for ``merchant_code`` (default: the user's own), or ``Forbidden``."""
    choices = merchants_for(db, user)
    if not merchant_code:
        return Scope(user.merchant_id, user.actor, max_quantity)
    for choice in choices:
        if choice.code == merchant_code:
            return Scope(choice.id, user.actor, max_quantity)
    raise Forbidden(f"{user.name} may not act for merchant {merchant_code!r}", field="merchant")
