"""Absolute links for messages read outside the site (emails, Slack, the API's share_url)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def absolute(viewname: str, *args) -> str:
    """The configured site URL (SOCAP_SITE_URL) followed by the path of a named view."""
    return settings.SITE_URL + reverse(viewname, args=args)
