"""Channel secrets (tokens, client secrets, API keys, webhook secrets) encrypted at rest.

A secret in ``channels.config`` is stored as ``enc:v1:`` and a Fernet token (AES-128-CBC with an
HMAC-SHA256, from the ``cryptography`` package) under the key from the settings
(``TRUECOUNT_CHANNEL_SECRETS_KEY``: a Fernet key, or any text, which is stretched with HKDF-SHA256; empty:
derived from the secret key: ``TRUECOUNT_SECRET_KEY``, else the stored key file).
Only the connector ever sees a secret in the clear: answers,
pages and logs show ``****``. A value stored before encryption existed is read as it is and encrypted
on the next ``truecount init`` (``serve`` runs it) or the next change of the channel's settings.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import JsonValue
from sqlalchemy import select, update

from truecount.adapters.channels.base import AuthFailed
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import channels

SECRETS = frozenset(
    {
        "access_token",
        "refresh_token",
        "client_secret",
        "lwa_client_secret",
        "consumer_key",
        "consumer_secret",
        "webhook_secret",
    }
)
PREFIX = "enc:v1:"
MASK = "****"


class Vault:
    """Encrypts secret values with the first key; decrypts with any of the keys (newest first)."""

    def __init__(self, key: str, *older: str) -> None:
        keys = list(dict.fromkeys([key, *older]))
        self.fernet = MultiFernet([Fernet(_fernet_key(k)) for k in keys])

    def seal(self, value: str) -> str:
        return value if value.startswith(PREFIX) else PREFIX + self.fernet.encrypt(value.encode()).decode()

    def open(self, value: str, name: str) -> str:
        if not value.startswith(PREFIX):
            return value  # stored before encryption: sealed at the next init or change
        try:
            return self.fernet.decrypt(value.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            raise AuthFailed(
                f"the stored {name} cannot be decrypted with this secrets key (was it changed?): set it again"
            ) from None


def _fernet_key(key: str) -> bytes:
    try:
        Fernet(key.encode())
        return key.encode()
    except ValueError:
        stretched = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"truecount channel secrets")
        return base64.urlsafe_b64encode(stretched.derive(key.encode()))


_vault: Vault | None = None


def use_key(key: str, *older: str) -> None:
    """Set the process's secrets key, and older keys still accepted for reading (entrypoints do)."""
    global _vault
    _vault = Vault(key, *older)


def vault() -> Vault:
    """The process's vault; the settings' key unless an entrypoint set one."""
    if _vault is None:
        from truecount.settings import (  # read once, lazily: services take no settings object
            DEFAULT_SECRET_KEY,
            get_settings,
        )

        settings = get_settings()
        if settings.channel_secrets_key:
            use_key(settings.channel_secrets_key)
        else:  # secrets sealed before the key file existed were sealed under the configured (default) key
            use_key(settings.effective_secret_key(), settings.secret_key, DEFAULT_SECRET_KEY)
    assert _vault is not None
    return _vault


def seal_config(config: dict[str, Any]) -> dict[str, JsonValue]:
    """The config as stored: every secret encrypted."""
    box = vault()
    return {k: (box.seal(v) if k in SECRETS and isinstance(v, str) and v else v) for k, v in config.items()}


def open_config(config: dict[str, Any]) -> dict[str, JsonValue]:
    """The config as the connector needs it: every secret in the clear (raises AuthFailed if unreadable)."""
    box = vault()
    return {k: (box.open(v, k) if k in SECRETS and isinstance(v, str) else v) for k, v in config.items()}


def masked(config: dict[str, Any]) -> dict[str, JsonValue]:
    """The config as shown to people: secrets as ``****``."""
    return {k: (MASK if k in SECRETS and v else v) for k, v in sorted(config.items())}


def seal_stored(db: Database) -> int:
    """Encrypt every secret still stored in the clear (run by ``init``); returns how many channels changed."""
    changed = 0
    with db.write() as conn:
        for row in conn.execute(select(channels.c.id, channels.c.config)).all():
            config = json.loads(row.config or "{}")
            sealed = seal_config(config)
            if sealed != config:
                conn.execute(
                    update(channels).where(channels.c.id == row.id).values(config=json.dumps(sealed, sort_keys=True))
                )
                changed += 1
    return changed
