"""Tables for users, tokens, sessions (revision 0005_accounts)."""

from __future__ import annotations
