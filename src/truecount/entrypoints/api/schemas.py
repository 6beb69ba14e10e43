"""Field types every schema shares. Inputs forbid unknown fields (a typo is refused, not ignored)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # below space, but for tab, newline, return


def _printable(value: str) -> str:
    if _CONTROL.search(value) is not None:
        raise ValueError("must not contain control characters")
    return value


#: A code people type or scan: SKU, barcode, location code, type code (the services check spaces).
Code = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_printable)]
#: A human name or label.
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]
#: Free text: a reason, a note.
Text = Annotated[str, Field(max_length=2000), AfterValidator(_printable)]
#: A reference: PO, order, delivery note.
Reference = Annotated[str, Field(max_length=300), AfterValidator(_printable)]


#: A whole number as JSON writes it: ``true``, ``"5"`` and ``5.0`` are refused, not read as 1, 5 and 5.
WholeNumber = Annotated[int, Field(strict=True)]

#: A yes or no as JSON writes it: ``true`` or ``false``; ``"yes"``, ``"true"``, ``1`` and ``"on"`` are refused,
#: not read as true. Every boolean of a request body is one (a query string's ``?flag=true`` is text, read as
#: FastAPI reads it).
Flag = Annotated[bool, Field(strict=True)]


_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _iso_instant(value: Any) -> Any:
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("must be an ISO 8601 date or date-time (e.g. 2026-12-01T09:00:00Z), not a number")
    return value


#: An instant written as ISO 8601 (``2026-12-01``, ``2026-12-01T09:00:00Z``); a bare number such as
#: ``0.5`` is refused rather than read as seconds since 1970.
Instant = Annotated[datetime, BeforeValidator(_iso_instant)]


class Input(BaseModel):
    """Base of request bodies."""

    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    """Base of response bodies; built from a service's typed result (``model_validate(result)``)."""

    model_config = ConfigDict(from_attributes=True)
