"""Tables for outbox, sync state, connector cursors (revision 0004_sync)."""

from __future__ import annotations
