"""Named outcomes. The domain and services raise these; each entrypoint translates them once."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any


@dataclass
class TruecountError(Exception):
    """Base of every refusal a user can cause. ``field`` names the offending input."""

    message: str
    field: str | None = None
    details: list[dict[str, Any]] = dc_field(default_factory=list)

    code = "invalid"
    status = 400

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidInput(TruecountError):
    """Input that is malformed or meaningless (a zero quantity, an absurd number...)."""

    code = "invalid_input"
    status = 422


class NotFound(TruecountError):
    """An unknown SKU, location, inventory type, order, channel..."""

    code = "not_found"
    status = 404


class AlreadyExists(TruecountError):
    """A unique key (SKU, location code...) that is already taken."""

    code = "already_exists"
    status = 409


class InsufficientStock(TruecountError):
    """A movement or booking would take more than is available."""

    code = "insufficient_stock"
    status = 409


class IdempotencyConflict(TruecountError):
    """The same idempotency key was used before with a different payload."""

    code = "idempotency_conflict"
    status = 409


class Forbidden(TruecountError):
    """The caller's role does not allow this act."""

    code = "forbidden"
    status = 403


class Unauthorized(TruecountError):
    """No valid credentials."""

    code = "unauthorized"
    status = 401


class Conflict(TruecountError):
    """The act conflicts with what is stored (the last active admin disabled, an order re-posted with
    other lines...)."""

    code = "conflict"
    status = 409


@dataclass
class TooManyAttempts(TruecountError):
    """Too many failed attempts in a row: wait ``retry_after_s`` seconds before the next."""

    retry_after_s: int = 1

    code = "too_many_requests"
    status = 429


class ChannelRefused(TruecountError):
    """A sales channel refused truecount's credentials for it (fix them, then ``channel check``)."""

    code = "channel_refused"
    status = 409


class ChannelUnreachable(TruecountError):
    """A sales channel gave no useful answer after every retry."""

    code = "channel_unavailable"
    status = 503
