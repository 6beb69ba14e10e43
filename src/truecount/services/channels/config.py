"""Connect a channel, or change how: merge changes into its connector settings (``channels.config``).

The worker re-reads a channel on every loop and rebuilds its connector when the config changed,
so a channel starts syncing (``base_url`` set) or stops (``base_url`` removed) without a restart.
Changes are a JSON merge patch (RFC 7396): a key set to ``None`` is removed. Secrets are stored
encrypted (``channels.secrets``) and answers mask them. A channel paused because the channel refused its
credentials resumes as soon as its settings change: the worker sees a config other than the one that failed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import JsonValue
from sqlalchemy import select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import channels
from truecount.domain.errors import InvalidInput, NotFound
from truecount.services.channels.secrets import SECRETS, masked, seal_config
from truecount.services.common.idempotency import run_once
from truecount.services.common.scope import Scope

NUMBERS = frozenset(
    {"timeout_s", "order_poll_s", "reconcile_interval_s", "feed_poll_s", "feed_timeout_s", "initial_lookback_s",
     "rate_per_s", "burst", "restore_rate", "maximum_available", "feed_delay_s", "daily_calls_inventory",
     "daily_calls_fulfillment"}
)  # fmt: skip
TEXTS = frozenset({"client_id", "lwa_client_id", "scopes", "token_url", "lwa_token_url", "api_version"})
URLS = frozenset({"base_url", "token_url", "lwa_token_url"})
MAX_KEYS = 50


@dataclass(frozen=True, slots=True)
class ChannelConnection:
    """A channel's connection as shown to people: whether it syncs (a ``base_url`` is set) and its
    connector settings with secrets masked; ``replayed``: a change's key answered its first answer again."""

    channel: str
    kind: str
    connected: bool
    config: dict[str, JsonValue]
    replayed: bool = False


def configure_channel(
    db: Database, scope: Scope, code: str, changes: dict[str, Any], key: str | None = None
) -> ChannelConnection:
    """Merge ``changes`` into the channel's config (``None`` removes a key); the new config, secrets masked."""
    _validate(changes)
    m = scope.merchant_id
    with db.write() as conn:

        def act() -> ChannelConnection:
            row = conn.execute(
                select(channels.c.id, channels.c.kind, channels.c.config).where(
                    channels.c.merchant_id == m, channels.c.code == code
                )
            ).first()
            if row is None:
                raise NotFound(f"no channel {code!r}", field="channel")
            config = {**json.loads(row.config), **changes}
            config = {k: v for k, v in config.items() if v is not None}
            if len(config) > MAX_KEYS:
                raise InvalidInput(f"has more than {MAX_KEYS} settings", field="config")
            stored = json.dumps(seal_config(config), sort_keys=True)
            conn.execute(update(channels).where(channels.c.id == row.id).values(config=stored))
            return describe(code, str(row.kind), config)

        payload = {"configure": code, "changes": changes}  # stores a hash, not the changes
        return run_once(conn, m, key, payload, act, ChannelConnection)


def describe(code: str, kind: str, config: dict[str, Any]) -> ChannelConnection:
    """A channel's connection as shown to people: secrets masked, and whether it syncs."""
    return ChannelConnection(code, kind, "base_url" in config, masked(config))


def _validate(changes: dict[str, Any]) -> None:
    if not changes:
        raise InvalidInput("name at least one setting to change", field="config")
    for name, value in changes.items():
        where = f"config.{name}"
        if not name or len(name) > 64 or not name.replace("_", "").isalnum():
            raise InvalidInput("a setting's name is letters, digits and _ (up to 64)", field=where)
        if value is None:
            continue
        if name in URLS:
            parts = urlsplit(value) if isinstance(value, str) else None
            if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
                raise InvalidInput("must be an http(s) URL such as http://127.0.0.1:8101", field=where)
        elif name in NUMBERS:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InvalidInput("must be a number of zero or more", field=where)
        elif (name in SECRETS or name in TEXTS) and not isinstance(value, str):
            raise InvalidInput("must be a string", field=where)
        if len(json.dumps(value)) > 4000:
            raise InvalidInput("is too long (4,000 characters of JSON at most)", field=where)
