"""Supplier feeds (where a supplier's figures come from, on a schedule) and the record of each run."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from .base import Id, metadata

supplier_feeds = Table(
    "supplier_feeds",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("supplier_id", Id, ForeignKey("suppliers.id"), nullable=False),
    Column("source", String(1000), nullable=False),  # a path or a URL, without any password
    Column("format", String(8), nullable=True),  # csv or xlsx; NULL: from the file name
    Column("mapping", Text, nullable=False),  # JSON: file column → field
    Column("every", String(8), nullable=True),  # 60m, 2h
    Column("at_times", String(200), nullable=True),  # HH:MM,HH:MM (UTC)
    Column("stale_after_s", Integer, nullable=True),  # at most this long without a good run
    Column("drop_when_stale", Boolean, nullable=False),
    Column("secret", Text, nullable=True),  # sealed JSON: password and/or private key
    Column("host_key", Text, nullable=True),  # SFTP: the server's public key, pinned at the first connection
    Column("etag", String(500), nullable=True),  # HTTP: validators of the last file read
    Column("last_modified", String(100), nullable=True),
    Column("last_file", String(600), nullable=True),  # a folder's last file read: name and digest
    Column("stale", Boolean, nullable=False),
    Column("stale_reason", String(300), nullable=True),
    Column("dropped", Text, nullable=True),  # JSON [[channel id, position]…] while dropped from channel pools
    Column("next_due_at", DateTime(), nullable=False),
    Column("claimed_until", DateTime(), nullable=True),  # a runner holds it until then
    Column("last_good_at", DateTime(), nullable=True),
    Column("created_at", DateTime(), nullable=False),
    Index("ix_supplier_feeds_merchant_supplier", "merchant_id", "supplier_id", unique=True),
    Index("ix_supplier_feeds_next_due_at", "next_due_at"),
)

supplier_feed_runs = Table(
    "supplier_feed_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("feed_id", Id, ForeignKey("supplier_feeds.id"), nullable=False),
    Column("trigger", String(16), nullable=False),  # schedule or manual
    Column("outcome", String(16), nullable=False),  # applied, unchanged, not_modified, no_new_file, empty, refused…
    Column("file", String(500), nullable=True),
    Column("rows_read", Integer, nullable=False),
    Column("rows_changed", Integer, nullable=False),
    Column("movements", Integer, nullable=False),
    Column("refused", Text, nullable=True),  # JSON [{row, column, reason}…]
    Column("error", String(1000), nullable=True),
    Column("started_at", DateTime(), nullable=False),
    Column("finished_at", DateTime(), nullable=False),
    Index("ix_supplier_feed_runs_merchant_feed_id", "merchant_id", "feed_id", "id"),
)
