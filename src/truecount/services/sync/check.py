"""``check_channel``: is a channel connected, and if not, what to fix — in plain words.

It makes one cheap read with the stored credentials (the connector's ``check``: the token exchange, the API
version, scopes or roles, the location or marketplace), through the channel's shared rate buckets. A
check that finds everything working ends a credentials pause at once. The CLI (``truecount channel check``),
the API (``POST /api/v1/channels/{code}/check``) and the channels page call this one function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from truecount.adapters.channels.base import AuthFailed, ChannelUnavailable, Check, Stopped
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import channel_sync
from truecount.domain.errors import InvalidInput
from truecount.services.channels.setup import load_channel
from truecount.services.common.scope import Scope
from truecount.services.sync import state as sync_state
from truecount.services.sync.connectors import build_connector
from truecount.services.sync.push import PUSH_KINDS

CREDENTIALS_FIX = {
    "amazon": "check lwa_client_id and lwa_client_secret (Developer Central → your app → LWA credentials) and "
    "refresh_token (authorize the app for the seller again to get a new one)",
    "ebay": "check client_id and client_secret (the keyset's App ID and Cert ID) and refresh_token (have the "
    "seller grant consent again)",
    "shopify": "check access_token (the custom app's Admin API token) or client_id and client_secret (the Dev "
    "Dashboard app's credentials), and that the app is installed in the shop",
    "woocommerce": "check consumer_key and consumer_secret (WooCommerce → Settings → Advanced → REST API, a "
    "Read/Write key)",
}
REQUIRED = {"amazon": ("seller_id", "marketplace_id")}
WEBHOOKS = ("shopify", "woocommerce")


@dataclass(frozen=True, slots=True)
class ChannelCheck:
    """A channel's connection checked: ``ok`` when every check passed, a one-line ``summary``, each check
    (name, ok, what was found, what to fix), why it was waiting for its credentials and whether this
    check ended that wait (``resumed``)."""

    channel: str
    kind: str
    ok: bool
    summary: str
    checks: list[Check]
    paused_for_credentials: str | None
    resumed: bool


def check_channel(db: Database, scope: Scope, code: str) -> ChannelCheck:
    """Check a channel's connection (see :class:`ChannelCheck`). Never raises for what the channel answers;
    an unknown channel is NotFound, a pos or manual channel InvalidInput."""
    m = scope.merchant_id
    with db.read() as conn:
        channel = load_channel(conn, m, code)
        waiting = conn.execute(
            select(channel_sync.c.auth_error).where(
                channel_sync.c.merchant_id == m, channel_sync.c.channel_id == channel.id
            )
        ).scalar()
    if channel.kind not in PUSH_KINDS:
        raise InvalidInput(f"{channel.kind} channels connect to no outside service: nothing to check", field="channel")
    checks = _settings(channel.kind, channel.config)
    if "base_url" in channel.config:
        checks += _probe(db, m, channel)
    ok = all(c.ok for c in checks)
    resumed = bool(ok and waiting)
    if resumed:
        sync_state.resume(db, m, channel.id)
    to_fix = [c for c in checks if not c.ok]
    summary = (
        "everything works" if ok else f"{len(to_fix)} thing(s) to fix: " + "; ".join(c.fix or c.detail for c in to_fix)
    )
    return ChannelCheck(channel.code, channel.kind, ok, summary, checks, waiting, resumed)


def _settings(kind: str, config: dict[str, Any]) -> list[Check]:
    """What can be told from the settings alone."""
    checks = []
    if "base_url" not in config:
        fix = f"set base_url: truecount channel configure CODE --set base_url=https://… (see docs/sync.md, {kind})"
        checks.append(Check("connection", False, "no base_url: the channel is not connected", fix))
    missing = [name for name in REQUIRED.get(kind, ()) if not config.get(name)]
    if missing:
        checks.append(Check("settings", False, f"{', '.join(missing)} not set", f"set {', '.join(missing)}"))
    if kind in WEBHOOKS and not config.get("webhook_secret"):
        fix = "set webhook_secret to the secret the shop signs its order webhooks with"
        checks.append(Check("webhooks", False, "no webhook_secret: order webhooks would be refused", fix))
    return checks


def _probe(db: Database, merchant_id: int, channel: Any) -> list[Check]:
    try:
        connector = build_connector(db, merchant_id, channel)
    except AuthFailed as error:
        return [Check("credentials", False, str(error), CREDENTIALS_FIX[channel.kind])]
    try:
        return connector.check()
    except AuthFailed as error:
        return [Check("credentials", False, f"refused: {error}", CREDENTIALS_FIX[channel.kind])]
    except (ChannelUnavailable, Stopped) as error:
        fix = "check base_url, and that the channel's API is up and reachable from this machine"
        return [Check("reachable", False, f"no useful answer: {error}", fix)]
    finally:
        connector.close()
