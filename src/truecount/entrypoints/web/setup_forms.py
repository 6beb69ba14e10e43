"""What the set-up pages share: reading the texts people type into forms, and the answer after a save."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

from fastapi.responses import RedirectResponse

from truecount.domain.commands import ComponentSpec
from truecount.domain.errors import InvalidInput

SETUP_LINKS = [
    ("/setup/products", "Products"),
    ("/setup/locations", "Locations and types"),
    ("/setup/channels", "Channels"),
]


def saved(path: str, message: str) -> RedirectResponse:
    """After a save: back to ``path`` with the message shown on top (post/redirect/get)."""
    return RedirectResponse(f"{path}?{urlencode({'saved': message})}", status_code=303)


def words(text: str) -> list[str]:
    """Barcodes or codes separated by spaces, commas or semicolons."""
    return [w for w in re.split(r"[\s,;]+", text.strip()) if w]


def options(text: str, field: str) -> dict[str, str]:
    """``size=M, colour=blue`` (commas or semicolons) → options."""
    found: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in re.split(r"[,;]", text))):
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InvalidInput(f"{pair!r} must be name=value, e.g. size=M", field=field)
        found[name.strip()] = value.strip()
    return found


def components(text: str, field: str) -> list[ComponentSpec]:
    """``SOCK-M:3, TEE-M:1`` → bundle components."""
    found = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;]", text))):
        sku, _, qty = part.partition(":")
        if not re.fullmatch(r"\d{1,6}", qty.strip() or "1"):
            raise InvalidInput(f"{part!r} must be SKU:QUANTITY, e.g. SOCK-M:3", field=field)
        found.append(ComponentSpec(sku.strip(), int(qty.strip() or "1")))
    return found


def day(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{text.strip()!r} is not a date (YYYY-MM-DD)", field=field) from None


def whole(text: str, field: str, default: int | None = None) -> int:
    if not text.strip() and default is not None:
        return default
    if not re.fullmatch(r"-?\d{1,10}", text.strip()):
        raise InvalidInput(f"must be a whole number, not {text.strip()!r}", field=field)
    return int(text.strip())
