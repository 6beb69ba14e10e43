"""A real SMTP server in the test process (aiosmtpd's Controller on a free loopback port) that keeps
every message it receives, parsed."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from truecount.adapters.mail import SmtpMailer


@dataclass
class Inbox:
    """What the server received: each message with its envelope recipients."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    refuse: bool = False  # answer every message 451 (a failing server)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _authenticator(user: str, password: str) -> Any:
    """aiosmtpd's authenticator accepting only ``user``/``password`` (AUTH LOGIN or PLAIN)."""

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (user.encode(), password.encode())
        return AuthResult(success=ok, handled=False)

    return check


@contextmanager
def smtp_server(
    login: tuple[str, str] | None = None, tls: ssl.SSLContext | None = None
) -> Iterator[tuple[Inbox, SmtpMailer]]:
    """A running server, its inbox, and a mailer pointed at it. ``login``: the server demands this
    user and password (the mailer does not log in); ``tls``: the server offers STARTTLS with this
    context and demands it before anything else (AUTH included) — else AUTH goes over the plain
    loopback connection."""
    inbox = Inbox()
    port = free_port()
    auth: dict[str, Any] = {}
    if login is not None:
        auth = {"authenticator": _authenticator(*login), "auth_required": True, "auth_require_tls": tls is not None}
    if tls is not None:
        auth |= {"tls_context": tls, "require_starttls": True}
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **auth)
    controller.start()
    try:
        yield inbox, SmtpMailer("127.0.0.1", port, "orders@shop.example", timeout_s=10)
    finally:
        controller.stop()


def attachments(message: EmailMessage) -> dict[str, tuple[str, bytes]]:
    """Each attachment by file name: its content type and bytes."""
    found = {}
    for part in message.iter_attachments():
        assert isinstance(part, EmailMessage)
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found[str(part.get_filename())] = (part.get_content_type(), payload)
    return found
