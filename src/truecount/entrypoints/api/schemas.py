"""Field types every schema shares. Inputs forbid unknown fields (a typo is refused, not ignored)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _printable(value: str) -> str:
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
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


class Input(BaseModel):
    """Base of request bodies."""

    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    """Base of response bodies; built from a service's typed result (``model_validate(result)``)."""

    model_config = ConfigDict(from_attributes=True)
