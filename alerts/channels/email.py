"""Email through Django's email framework (SMTP settings from the environment).

The subject is made one line here, whatever the caller built it from: a newline from a reply or a
name would otherwise make Django refuse the header. The message is built (headers checked) before
any connection is opened, so a refusal means nothing went out.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from alerts.channels import ChannelError
from socap_project.text import one_line

MAX_SUBJECT = 250


def send(subject: str, text: str, html: str, recipients: list[str]) -> int:
    if not recipients:
        raise ChannelError("no recipients", permanent=True)
    message = EmailMultiAlternatives(one_line(subject, max_length=MAX_SUBJECT), text, settings.DEFAULT_FROM_EMAIL,
                                     recipients)
    message.attach_alternative(html, "text/html")
    try:
        message.message()  # builds and checks every header
    except (ValueError, UnicodeError) as exc:  # BadHeaderError is a ValueError
        raise ChannelError(f"the message could not be built: {type(exc).__name__}: {exc}", permanent=True,
                           disables_channel=False) from exc
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise ChannelError(f"recipients refused: {list(exc.recipients)}", permanent=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(f"SMTP failure: {exc}", permanent=False) from exc
    return 250
