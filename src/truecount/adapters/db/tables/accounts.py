"""Tables for users, tokens, sessions (migration 0006_accounts)."""

from __future__ import annotations
