"""Connectors as the services build them: the channel's settings with its secrets decrypted, rate buckets
shared through the database, waits that end when the worker stops."""

from __future__ import annotations

import hashlib
import json
import threading

from pydantic import JsonValue

from truecount.adapters.channels import connector_for
from truecount.adapters.channels.base import Connector
from truecount.adapters.db.engine import Database
from truecount.services.channels.secrets import open_config
from truecount.services.channels.setup import Channel
from truecount.services.sync.buckets import shared_buckets


def connector_config(channel: Channel) -> dict[str, JsonValue]:
    """The connector config of a channel: its stored config, secrets decrypted, with policy-driven defaults
    (raises AuthFailed when a stored secret cannot be decrypted)."""
    config = open_config(dict(channel.config))
    if channel.kind == "amazon":
        config.setdefault("use_feeds", channel.push == "interval")
    return config


def config_fingerprint(channel: Channel) -> str:
    """Names the channel's settings as stored: any change to them (new credentials…) changes it."""
    return hashlib.sha256(json.dumps(channel.config, sort_keys=True).encode()).hexdigest()[:32]


def build_connector(
    db: Database, merchant_id: int, channel: Channel, *, stop: threading.Event | None = None
) -> Connector:
    """The channel's connector, with rate buckets shared with every other process (``sync.buckets``)."""
    return connector_for(
        channel.kind, connector_config(channel), buckets=shared_buckets(db, merchant_id, channel.id), stop=stop
    )
