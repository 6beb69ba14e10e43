"""Tables for push queue, sync state, connector cursors (migration 0005_sync)."""

from __future__ import annotations
