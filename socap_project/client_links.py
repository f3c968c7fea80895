"""Pages opened by a client share link (/socap/c/<token>/...): kept out of search engines,
and an expired link answers 410 with a page saying so."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils.html import escape

ROBOTS = "noindex, nofollow"


class ShareLinkExpired(Exception):
    def __init__(self, expired_at: dt.datetime):
        super().__init__(f"Share link expired at {expired_at.isoformat()}")
        self.expired_at = expired_at


class ClientLinkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # Client routes are the ones keyed by a share token; an unknown or expired one too.
        if match is not None and "token" in match.kwargs:
            response["X-Robots-Tag"] = ROBOTS
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, ShareLinkExpired):
            return None
        when = escape(exception.expired_at.strftime("%b %-d, %Y"))
        return HttpResponse(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"robots\" "
            "content=\"noindex\"><title>Link expired</title></head><body><h1>This link has expired</h1>"
            f"<p>This campaign link expired on {when} (UTC). Please ask your SOCAP contact for a new "
            "link.</p></body></html>", status=410, content_type="text/html; charset=utf-8")
