"""Shared pieces of the JSON API: error format and body-size guard.

Every 4xx body is {"errors": {"<field path>": ["message", ...]}}, whatever
raised it (shape checks, business rules, malformed JSON, oversize bodies).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from socap_project.api_errors import ApiError


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail -> {"a.b[0].c": [messages]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            path = key if key == "non_field_errors" and not prefix else (f"{prefix}.{key}" if prefix else str(key))
            for sub, msgs in flatten_errors(value, path).items():
                flat.setdefault(sub, []).extend(msgs)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            flat[prefix or "body"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                for sub, msgs in flatten_errors(item, f"{prefix}[{index}]").items():
                    flat.setdefault(sub, []).extend(msgs)
    else:
        flat[prefix or "body"] = [str(detail)]
    return {path: msgs for path, msgs in flat.items() if msgs}


def errors_response(errors: dict[str, list[str]], code: int = status.HTTP_400_BAD_REQUEST, **headers) -> Response:
    return Response({"errors": errors}, status=code, headers=headers or None)


def socap_exception_handler(exc, context):
    if isinstance(exc, ApiError):
        return errors_response(exc.errors, exc.status_code, **exc.headers)
    if isinstance(exc, exceptions.ValidationError):
        return errors_response(flatten_errors(exc.detail))
    if isinstance(exc, exceptions.ParseError):
        return errors_response({"body": [f"Malformed JSON: {exc.detail}"]})
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"errors": {"detail": [str(response.data["detail"])]}}
    return response


def body_too_large(request) -> Response | None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.SOCAP_MAX_API_BODY_BYTES
    if length > limit:
        return errors_response({"body": [f"Payload too large: {length} bytes, the limit is {limit}."]},
                               status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return None
