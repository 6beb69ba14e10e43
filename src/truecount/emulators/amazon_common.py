"""What the Amazon emulator's modules share: time formats, the shape of a Listings issue, and what a
route module needs from the emulator (:class:`Host`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from .common import EmulatorState
from .fulfilment_book import FulfilmentBook


class Host(Protocol):
    state: EmulatorState
    app: FastAPI
    feed_delay_s: float
    fulfilments: FulfilmentBook

    def limit(self, op: str, response: Response) -> JSONResponse | None: ...

    def apply(self, sku: str, body: dict[str, Any], *, delay_s: float = 0.0) -> list[dict[str, Any]]: ...


def iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def issue(code: str, message: str, attributes: list[str], category: str = "INVALID_ATTRIBUTE") -> dict[str, Any]:
    """A Listings issue as Amazon sends it (with its ``categories``)."""
    return {
        "code": code,
        "message": message,
        "severity": "ERROR",
        "attributeNames": attributes,
        "categories": [category],
    }


def own_url(request: Request) -> str:
    """This server's own address (from the socket, not the Host header a client may set oddly)."""
    host, port = request.scope["server"]
    return f"http://{host}:{port}"
