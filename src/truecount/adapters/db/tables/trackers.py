"""Tables for stock health trackers (migration 0007_trackers)."""

from __future__ import annotations
