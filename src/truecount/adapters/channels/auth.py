"""Credentials with a lifecycle, as ``httpx.Auth`` flows: each signs a request, and a token that expires
is refreshed ahead of time and once more when the channel answers that it expired; then the request is
sent again. A refusal that a refresh cannot cure raises :class:`AuthFailed` (the channel waits for its
credentials to be fixed); a token endpoint that is down or busy is retried like any transient failure.

- Amazon: Login with Amazon, ``grant_type=refresh_token`` with the app's client id and secret → an access
  token (about an hour) sent as ``x-amz-access-token``.
- eBay: ``/identity/v1/oauth2/token``, ``grant_type=refresh_token`` with HTTP Basic client credentials →
  a user access token (about two hours) sent as ``Authorization: Bearer``.
- Shopify: a permanent Admin API token, or the client credentials grant (``/admin/oauth/access_token``)
  → a token of about 24 hours; both sent as ``X-Shopify-Access-Token``.
- WooCommerce: HTTP Basic over HTTPS; OAuth 1.0a (HMAC-SHA256) signatures in the query over plain HTTP.

Tokens are cached per process by the credentials they came from, so a rebuilt connector (a config
change) keeps a token that is still good, and new credentials always get a new token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Generator
from typing import Any
from urllib.parse import quote

import httpx

from .base import AuthFailed

_TOKENS: dict[str, tuple[str, float, float, dict[str, Any]]] = {}  # key → (token, expires_at, lifetime, answer)
_LOCK = threading.Lock()
_KEY_LOCKS: dict[str, threading.Lock] = {}


def refresh_margin_s(lifetime_s: float) -> float:
    """How long before expiry a token is replaced: a fifth of its life, at most five minutes."""
    return min(300.0, lifetime_s / 5)


class TokenEndpointBusy(httpx.TransportError):
    """The token endpoint answered 429 or 5xx: retried with backoff like a dropped connection."""


def forget_tokens() -> None:
    """Drop every cached token (tests)."""
    with _LOCK:
        _TOKENS.clear()


def _said(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return f"HTTP {response.status_code} {text[:300]}"


class ChannelAuth(httpx.Auth):
    """Signs requests; ``refused`` says whether an answer is an authentication refusal."""

    requires_response_body = True

    def sign(self, request: httpx.Request, *, fresh: bool = False) -> None:
        raise NotImplementedError

    def refused(self, response: httpx.Response) -> bool:
        return response.status_code == 401

    def renewable(self) -> bool:
        """Whether a new token could cure a refusal (False for permanent tokens and signatures)."""
        return False

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        response = yield request
        if not self.refused(response):
            return
        if not self.renewable():
            raise AuthFailed(f"the channel refused the credentials: {_said(response)}")
        self.sign(request, fresh=True)  # expired or revoked early: a new token, and once more
        response = yield request
        if self.refused(response):
            raise AuthFailed(f"the channel refused a token just issued: {_said(response)}")


class StaticHeader(ChannelAuth):
    """A token that never changes (Shopify's permanent Admin API token, a pasted access token)."""

    def __init__(self, header: str, value: str, *, refusals: tuple[int, ...] = (401,)) -> None:
        self.header = header
        self.value = value
        self.refusals = refusals

    def sign(self, request: httpx.Request, *, fresh: bool = False) -> None:
        if not self.value:
            raise AuthFailed("no access token is configured")
        request.headers[self.header] = self.value

    def refused(self, response: httpx.Response) -> bool:
        return response.status_code in self.refusals


class RefreshedToken(ChannelAuth):
    """An access token obtained from a token endpoint, cached until shortly before it expires."""

    grant: dict[str, str]  # the form or JSON fields of the token request

    def __init__(
        self,
        token_url: str,
        header: str,
        prefix: str = "",
        *,
        refusals: tuple[int, ...] = (401,),
        timeout_s: float = 10.0,
        verify: Any = True,
    ) -> None:
        self.token_url = token_url
        self.header = header
        self.prefix = prefix
        self.refusals = refusals
        self.timeout_s = timeout_s
        self.verify = verify
        self.granted: dict[str, Any] = {}  # the token endpoint's last answer, token left out (for checks)

    def renewable(self) -> bool:
        return True

    def refused(self, response: httpx.Response) -> bool:
        return response.status_code in self.refusals

    def _key(self) -> str:
        identity = [self.token_url, *sorted(f"{k}={v}" for k, v in self.grant.items())]
        return hashlib.sha256("\x00".join(identity).encode()).hexdigest()

    def token(self, *, fresh: bool = False) -> str:
        """The cached token, or a new one when it is missing, about to expire, or ``fresh`` is asked."""
        key = self._key()
        with _LOCK:
            lock = _KEY_LOCKS.setdefault(key, threading.Lock())
            cached = _TOKENS.get(key)
        with lock:  # one refresh at a time per set of credentials
            now = time.monotonic()
            with _LOCK:
                newer = _TOKENS.get(key)
            if newer is not None and (newer is not cached or not fresh):
                token, expires_at, lifetime, answer = newer
                if now < expires_at - refresh_margin_s(lifetime):
                    self.granted = answer
                    return token
            token, lifetime, answer = self._fetch()
            with _LOCK:
                _TOKENS[key] = (token, time.monotonic() + lifetime, lifetime, answer)
            self.granted = answer
            return token

    def sign(self, request: httpx.Request, *, fresh: bool = False) -> None:
        request.headers[self.header] = self.prefix + self.token(fresh=fresh)

    def _request(self, client: httpx.Client) -> httpx.Response:
        return client.post(self.token_url, data=self.grant)

    def _fetch(self) -> tuple[str, float, dict[str, Any]]:
        with httpx.Client(timeout=self.timeout_s, verify=self.verify) as client:
            answer = self._request(client)  # a transport error propagates: retried like any other
        if answer.status_code == 429 or answer.status_code >= 500:
            raise TokenEndpointBusy(f"the token endpoint {self.token_url} answered {_said(answer)}")
        try:
            body: dict[str, Any] = answer.json()
        except ValueError:
            body = {}
        token = body.get("access_token")
        if answer.status_code != 200 or not isinstance(token, str) or not token:
            reason = body.get("error_description") or body.get("error") or _said(answer)
            raise AuthFailed(f"the token endpoint refused the credentials: {reason}")
        lifetime = float(body.get("expires_in") or 3600)
        return token, lifetime, {k: v for k, v in body.items() if k not in ("access_token", "refresh_token")}


class LwaToken(RefreshedToken):
    """Amazon: Login with Amazon refresh-token grant; SP-API wants ``x-amz-access-token``."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, refresh_token: str, **kw: Any) -> None:
        super().__init__(token_url, "x-amz-access-token", refusals=(401, 403), **kw)
        self.grant = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
        }


class EbayToken(RefreshedToken):
    """eBay: refresh-token grant with the app's keyset as HTTP Basic credentials."""

    def __init__(
        self, token_url: str, client_id: str, client_secret: str, refresh_token: str, scopes: str, **kw: Any
    ) -> None:
        super().__init__(token_url, "Authorization", "Bearer ", **kw)
        self.basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self.grant = {"grant_type": "refresh_token", "refresh_token": refresh_token, "scope": scopes}
        self.client_id = client_id

    def _key(self) -> str:
        return hashlib.sha256(f"{super()._key()}\x00{self.basic}".encode()).hexdigest()

    def _request(self, client: httpx.Client) -> httpx.Response:
        return client.post(self.token_url, data=self.grant, headers={"Authorization": f"Basic {self.basic}"})


class ShopifyClientToken(RefreshedToken):
    """Shopify: the client credentials grant of an app made in the Dev Dashboard (tokens of about 24 hours)."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, **kw: Any) -> None:
        super().__init__(token_url, "X-Shopify-Access-Token", **kw)
        self.grant = {"client_id": client_id, "client_secret": client_secret, "grant_type": "client_credentials"}

    def _request(self, client: httpx.Client) -> httpx.Response:
        return client.post(self.token_url, json=self.grant)


class WooBasic(ChannelAuth):
    """WooCommerce over HTTPS: the consumer key and secret as HTTP Basic credentials."""

    def __init__(self, key: str, secret: str) -> None:
        self.value = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()

    def sign(self, request: httpx.Request, *, fresh: bool = False) -> None:
        request.headers["Authorization"] = self.value


def _enc(value: str) -> str:
    return quote(value, safe="~-._")


class WooOAuth1(ChannelAuth):
    """WooCommerce over plain HTTP: one-legged OAuth 1.0a, HMAC-SHA256, parameters in the query string
    (the shop refuses Basic credentials sent in the clear)."""

    def __init__(self, key: str, secret: str) -> None:
        self.key = key
        self.secret = secret

    def sign(self, request: httpx.Request, *, fresh: bool = False) -> None:
        oauth = {
            "oauth_consumer_key": self.key,
            "oauth_nonce": secrets.token_hex(16),
            "oauth_signature_method": "HMAC-SHA256",
            "oauth_timestamp": str(int(time.time())),
        }
        params = [(k, v) for k, v in request.url.params.multi_items() if not k.startswith("oauth_")]
        params += list(oauth.items())
        request.url = request.url.copy_with(params=params)
        oauth["oauth_signature"] = oauth_signature(request.method, str(request.url), self.secret)
        request.url = request.url.copy_add_param("oauth_signature", oauth["oauth_signature"])


def oauth_signature(method: str, url: str, secret: str) -> str:
    """The OAuth 1.0a HMAC-SHA256 signature of a request whose parameters are all in ``url``'s query
    (the base string of RFC 5849 §3.4.1; the key is the consumer secret and ``&``)."""
    parsed = httpx.URL(url)
    pairs = sorted((_enc(k), _enc(v)) for k, v in parsed.params.multi_items() if k != "oauth_signature")
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base_uri = str(parsed.copy_with(query=None, fragment=None))
    text = "&".join([method.upper(), _enc(base_uri), _enc(normalized)])
    digest = hmac.new(f"{secret}&".encode(), text.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()
