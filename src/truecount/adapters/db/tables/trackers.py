"""Tables for stock health trackers (revision 0006_trackers)."""

from __future__ import annotations
