"""Tables for listings, rules, offered quantities (migration 0004_offers)."""

from __future__ import annotations
