"""The secret key that signs session cookies and CSRF tokens: generated once and kept in a file.

``init`` (and the first ``serve``) writes a random key to ``secret_key_file`` (mode 0600, created
exclusively so two processes never write two keys); ``serve`` uses it whenever
``TRUECOUNT_SECRET_KEY`` is not set. ``serve`` refuses the default key unless it listens on
loopback only.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

from truecount.domain.errors import InvalidInput
from truecount.settings import DEFAULT_SECRET_KEY, Settings


def stored_key(path: str) -> str | None:
    """The key in ``path``, creating the file with a random key (0600) when it does not exist; None
    without a path."""
    if not path:
        return None
    file = Path(path)
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return file.read_text().strip() or None
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48) + "\n")
    return file.read_text().strip()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def with_secret_key(settings: Settings, host: str) -> Settings:
    """``settings`` with the key ``serve`` signs with: the configured one, else the stored one. The default
    key is refused unless ``host`` is loopback (anyone could forge a session signed with it)."""
    key = settings.secret_key
    if key == DEFAULT_SECRET_KEY:
        key = stored_key(settings.secret_key_file) or key
    if key == DEFAULT_SECRET_KEY and not is_loopback(host):
        raise InvalidInput(
            f"the default secret key is refused on {host}: set TRUECOUNT_SECRET_KEY or run `truecount init` "
            "(it stores a random key in TRUECOUNT_SECRET_KEY_FILE)",
            field="secret_key",
        )
    return settings.model_copy(update={"secret_key": key})
