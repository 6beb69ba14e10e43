"""Mail out through an SMTP server (the standard library's ``smtplib``): purchase orders to suppliers.

One connection per message: a purchase order is sent a few times a day, not in bulk.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage


class MailNotSent(Exception):
    """The server refused the message or could not be reached; the reason is the message."""


@dataclass(frozen=True, slots=True)
class SmtpMailer:
    """Sends through ``host:port``: STARTTLS first when ``starttls``, then a login when ``user`` is set.
    ``sender`` is the From address of every message. ``ca_file``: the certificates (PEM) the server's is
    checked against under STARTTLS (a private CA); empty: the system's."""

    host: str
    port: int
    sender: str
    starttls: bool = False
    user: str = ""
    password: str = ""
    timeout_s: float = 30.0
    ca_file: str = ""

    def send(self, message: EmailMessage) -> None:
        """Deliver one message (its From is set to ``sender`` when missing); any failure is :class:`MailNotSent`."""
        if not self.host:
            raise MailNotSent("no SMTP server is set (TRUECOUNT_SMTP_HOST)")
        if message["From"] is None:
            message["From"] = self.sender
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context(cafile=self.ca_file or None))
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailNotSent(f"{self.host}:{self.port}: {error}") from error
