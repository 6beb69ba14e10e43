"""Tables for channels, listings, rules, offers (revision 0003_channels)."""

from __future__ import annotations
