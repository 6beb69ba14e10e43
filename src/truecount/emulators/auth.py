"""Credentials as the channels check them: token endpoints that issue short-lived access tokens, and a
gate that refuses a missing, wrong or expired token with each service's own answer, counting every refusal.

Every emulator starts with the same test credentials (:data:`CREDENTIALS`); ``PUT /_emulator/auth``
changes them, the token lifetime, the scopes granted, or turns checking off; ``POST /_emulator/auth/expire``
makes every token issued so far expire at once (as a revoked or rotated token would).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Body

CREDENTIALS = {
    "client_id": "emulator-client-id",
    "client_secret": "emulator-client-secret",
    "refresh_token": "emulator-refresh-token",
    "permanent_token": "shpat_emulator-permanent-token",
    "consumer_key": "ck_emulator",
    "consumer_secret": "cs_emulator",
}


@dataclass
class AuthSettings:
    token_lifetime_s: float = 3600.0
    enforce: bool = True
    scopes: list[str] = field(default_factory=list)  # granted with every token (empty: whatever was asked)
    client_id: str = CREDENTIALS["client_id"]
    client_secret: str = CREDENTIALS["client_secret"]
    refresh_token: str = CREDENTIALS["refresh_token"]
    permanent_token: str = CREDENTIALS["permanent_token"]
    consumer_key: str = CREDENTIALS["consumer_key"]
    consumer_secret: str = CREDENTIALS["consumer_secret"]


class Gate:
    """Issued tokens and their expiry; refusals counted by reason (``missing``, ``wrong``, ``expired``,
    ``signature``, ``scope``, ``grant``)."""

    def __init__(self, prefix: str, token_lifetime_s: float, scopes: list[str] | None = None) -> None:
        self.prefix = prefix
        self.defaults = AuthSettings(token_lifetime_s=token_lifetime_s, scopes=list(scopes or []))
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Settings and counters back to the start; tokens already issued stay valid (clients cache them)."""
        with self.lock:
            self.settings = AuthSettings(**asdict(self.defaults))
            self.tokens: dict[str, tuple[float, list[str]]] = getattr(self, "tokens", {})  # token → (expiry, scopes)
            self.failures: dict[str, int] = {}
            self.issued = 0
            self.nonces: set[str] = set()

    def refuse(self, reason: str) -> None:
        with self.lock:
            self.failures[reason] = self.failures.get(reason, 0) + 1

    def client_ok(self, client_id: str | None, client_secret: str | None) -> bool:
        s = self.settings
        return hmac.compare_digest(f"{client_id}:{client_secret}", f"{s.client_id}:{s.client_secret}")

    def grant_ok(self, refresh_token: str | None) -> bool:
        return hmac.compare_digest(str(refresh_token), self.settings.refresh_token)

    def issue(self, asked: list[str] | None = None) -> tuple[str, float, list[str]]:
        """A new access token: (token, lifetime in seconds, scopes granted)."""
        with self.lock:
            lifetime = self.settings.token_lifetime_s
            scopes = list(self.settings.scopes) or list(asked or [])
            token = self.prefix + secrets.token_urlsafe(24)
            self.tokens[token] = (time.time() + lifetime, scopes)
            self.issued += 1
            return token, lifetime, scopes

    def verify(self, token: str | None) -> tuple[str, list[str]]:
        """``("ok", scopes)`` or a refusal reason (``missing``, ``wrong``, ``expired``), counted."""
        if not self.settings.enforce:
            return "ok", []
        if not token:
            reason = "missing"
        elif token == self.settings.permanent_token:
            return "ok", []
        else:
            with self.lock:
                found = self.tokens.get(token)
            if found is None:
                reason = "wrong"
            elif found[0] <= time.time():
                reason = "expired"
            else:
                return "ok", found[1]
        self.refuse(reason)
        return reason, []

    def expire_all(self) -> int:
        with self.lock:
            for token, (_, scopes) in list(self.tokens.items()):
                self.tokens[token] = (0.0, scopes)
            return len(self.tokens)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "auth_failures": dict(self.failures),
                "auth_failures_total": sum(self.failures.values()),
                "tokens_issued": self.issued,
                "token_lifetime_s": self.settings.token_lifetime_s,
            }

    def check_oauth1(self, method: str, url: str, query: str) -> str:
        """WooCommerce's one-legged OAuth 1.0a check of a plain-HTTP request: "ok" or the refusal reason."""
        params = dict(parse_qsl(query, keep_blank_values=True))
        if "oauth_consumer_key" not in params:
            return "missing"
        if params["oauth_consumer_key"] != self.settings.consumer_key:
            return "wrong"
        if params.get("oauth_signature_method") not in ("HMAC-SHA1", "HMAC-SHA256"):
            return "signature"
        if abs(time.time() - float(params.get("oauth_timestamp") or 0)) > 15 * 60:
            return "timestamp"
        pairs = sorted((_enc(k), _enc(v)) for k, v in params.items() if k != "oauth_signature")
        text = "&".join([method.upper(), _enc(url), _enc("&".join(f"{k}={v}" for k, v in pairs))])
        algorithm = hashlib.sha256 if params["oauth_signature_method"] == "HMAC-SHA256" else hashlib.sha1
        expected = base64.b64encode(
            hmac.new(f"{self.settings.consumer_secret}&".encode(), text.encode(), algorithm).digest()
        ).decode()
        if not hmac.compare_digest(expected, params.get("oauth_signature", "")):
            return "signature"
        with self.lock:
            nonce = f"{params['oauth_timestamp']}:{params.get('oauth_nonce')}"
            if nonce in self.nonces:
                return "nonce"
            self.nonces.add(nonce)
        return "ok"


def _enc(value: str) -> str:
    return quote(value, safe="~-._")


def header(scope_headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    wanted = name.lower().encode()
    for key, value in scope_headers:
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None


def auth_router(gate: Gate) -> APIRouter:
    router = APIRouter(prefix="/_emulator/auth")

    @router.put("")
    def configure(body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        with gate.lock:
            for name, value in body.items():
                if name in AuthSettings.__dataclass_fields__:
                    setattr(gate.settings, name, value)
            return asdict(gate.settings)

    @router.post("/expire")
    def expire() -> dict[str, int]:
        return {"expired": gate.expire_all()}

    return router


Guard = Callable[[dict[str, Any]], tuple[int, dict[str, Any] | str, dict[str, str]] | None]
