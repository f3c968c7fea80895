"""Download limits for anonymous share-link requests, counted in Redis across every web process.

A share link is a bearer secret handed to a client; whoever holds it (or found it
in a forwarded mail) must not be able to make the site export its data in a loop.
Fixed windows per link: simple, shared by all workers, and the answer says when
the next window opens.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time

from django.conf import settings
from django.http import HttpResponse

from socap_project.redis_client import get_redis

KEY = "socap:throttle:share:{link}:{window}"


def share_link_wait(token: str) -> int | None:
    """Seconds until this link may download again, or None while it is within its limit."""
    window = settings.SOCAP_SHARE_LINK_WINDOW_SECONDS
    now = time.time()
    # The link is a secret: its hash names the counter, never the token itself.
    link = hashlib.sha256(token.encode()).hexdigest()[:32]
    key = KEY.format(link=link, window=int(now // window))
    pipe = get_redis().pipeline()
    pipe.incr(key)
    pipe.expire(key, window + 1)
    count, _ = pipe.execute()
    if count <= settings.SOCAP_SHARE_LINK_DOWNLOADS:
        return None
    return max(1, math.ceil(window - now % window))


def share_link_download(view):
    """Counts a request to `view(request, token, ...)` against its share link's download limit."""

    @functools.wraps(view)
    def limited(request, token: str, *args, **kwargs):
        wait = share_link_wait(token)
        if wait is not None:
            response = HttpResponse(
                f"Too many downloads from this link. Please try again in {wait} seconds.",
                status=429, content_type="text/plain; charset=utf-8")
            response["Retry-After"] = str(wait)
            return response
        return view(request, token, *args, **kwargs)

    return limited
