"""Web requests when a store is away: bounded MongoDB time, and a 503 instead of a 500.

A replica-set election, a Redis restart or a database failover makes requests fail for a few
seconds. Clients should retry after a pause, not see a server error: the API answers its JSON
error shape, pages a small self-contained page (no store is asked to render it).
"""

from __future__ import annotations

import logging

from django import db
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from kombu.exceptions import OperationalError as BrokerUnavailable
from rest_framework.views import APIView

from socap_project import mongo, redis_client

log = logging.getLogger(__name__)


def store_unavailable(exc: BaseException) -> bool:
    return (mongo.is_unavailable(exc) or redis_client.is_unavailable(exc)
            or isinstance(exc, (db.OperationalError, db.InterfaceError, BrokerUnavailable)))


def _wants_json(request) -> bool:
    match = request.resolver_match
    view_class = getattr(match.func, "cls", None) if match else None
    if isinstance(view_class, type) and issubclass(view_class, APIView):
        return True
    accept = request.headers.get("Accept", "")
    return request.path.endswith(".json") or ("application/json" in accept and "text/html" not in accept)


def unavailable_response(request) -> HttpResponse:
    retry_after = settings.SOCAP_UNAVAILABLE_RETRY_AFTER_SECONDS
    message = f"SOCAP cannot reach one of its data stores right now. Try again in {retry_after} seconds."
    if _wants_json(request):
        response = JsonResponse({"errors": {"detail": [message]}}, status=503)
    else:
        response = HttpResponse(render_to_string("unavailable.html", {"retry_after": retry_after}), status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class StoreOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Everything the request asks MongoDB shares one deadline; a streamed body runs after it.
        with mongo.request_timeout():
            return self.get_response(request)

    def process_exception(self, request, exception):
        if not store_unavailable(exception):
            return None
        log.warning("store unavailable during %s %s: %s: %s", request.method, request.path,
                    type(exception).__name__, exception)
        return unavailable_response(request)
