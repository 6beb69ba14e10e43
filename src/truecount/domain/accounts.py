"""Roles and what each may do. Pure rules: no storage, no hashing."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """``viewer`` reads; ``staff`` also moves stock, scans and handles orders; ``admin`` does everything."""

    VIEWER = "viewer"
    STAFF = "staff"
    ADMIN = "admin"


_RANK = {Role.VIEWER: 0, Role.STAFF: 1, Role.ADMIN: 2}


def role_allows(held: str, needed: str) -> bool:
    """Whether a user holding ``held`` may do what needs ``needed`` (roles are ordered)."""
    return _RANK[Role(held)] >= _RANK[Role(needed)]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a signed-in user or the owner of an API token."""

    user_id: int
    merchant_id: int
    name: str
    role: str
    via: str  # "session" or "token"

    @property
    def actor(self) -> str:
        """How movements record this caller."""
        return f"user:{self.name}"
