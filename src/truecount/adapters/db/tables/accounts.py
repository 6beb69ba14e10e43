"""Users, API tokens and sign-in sessions (migration 0006_accounts).

Passwords are stored as argon2 hashes, tokens and session ids as SHA-256 digests: a copy
of the database does not let anyone sign in.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, String, Table, UniqueConstraint

from .base import Id, metadata

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(16), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(), nullable=False),
    UniqueConstraint("merchant_id", "name", name="uq_users_merchant_name"),
)

# A token reads ``tc_<merchant_id>_<prefix><secret>``: (merchant_id, prefix) finds the row,
# the SHA-256 of the whole token must match ``token_hash``.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("label", String(200), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("revoked_at", DateTime(), nullable=True),
    UniqueConstraint("merchant_id", "prefix", name="uq_api_tokens_merchant_prefix"),
)

# The session cookie carries ``<merchant_id>.<secret>`` signed with the secret key; the row
# holds the secret's SHA-256, so signing out (deleting the row) ends the session everywhere.
sessions = Table(
    "sessions",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("expires_at", DateTime(), nullable=False),
    Index("ix_sessions_merchant_user", "merchant_id", "user_id"),
)
