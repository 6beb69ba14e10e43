"""The SMTP mailer the settings describe (one place: the worker, ``po send`` and the API use it)."""

from __future__ import annotations

from truecount.adapters.mail import SmtpMailer
from truecount.settings import Settings


def mailer_from(settings: Settings) -> SmtpMailer:
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        starttls=settings.smtp_starttls,
        user=settings.smtp_user,
        password=settings.smtp_password,
        timeout_s=settings.smtp_timeout_s,
        ca_file=settings.smtp_ca_file,
    )
