"""Email through Django's email framework (SMTP settings from the environment)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from alerts.channels import ChannelError


def send(subject: str, text: str, html: str, recipients: list[str]) -> int:
    if not recipients:
        raise ChannelError("no recipients", permanent=True)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, recipients)
    message.attach_alternative(html, "text/html")
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise ChannelError(f"recipients refused: {list(exc.recipients)}", permanent=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(f"SMTP failure: {exc}", permanent=False) from exc
    return 250
