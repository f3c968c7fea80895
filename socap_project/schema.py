"""Pieces the API views share to describe themselves to drf-spectacular (/socap/openapi.json).

The bad-input harness (tests/reliability/test_bad_input.py) fails on any status a
view returns that its description does not list, so each view names its error
statuses here with `errors(...)`.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

ERROR_TEXT = {
    400: "Invalid input; `errors` maps each field path to its messages.",
    401: "No credentials.",
    403: "Credentials without the needed rights.",
    404: "No such campaign (or account).",
    413: "Body (Content-Length) larger than SOCAP_MAX_API_BODY_BYTES (default 262144); "
         "`errors.body` gives the size and the limit; nothing was read or changed.",
    503: "A dependency (the X data API, a store) is unavailable; nothing was changed.",
}


class ErrorsSerializer(serializers.Serializer):
    """Every 4xx/5xx body of the API (socap_project.api.errors_response)."""

    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field path (`a.b[0].c`, `body`, `detail`) -> messages.",
    )


def errors(*codes: int, public: bool = False) -> dict[int, OpenApiResponse]:
    """Error responses for @extend_schema; token-protected views can always answer 401 and 403."""
    codes = codes if public else (*codes, 401, 403)
    return {code: OpenApiResponse(ErrorsSerializer, description=ERROR_TEXT[code]) for code in sorted(set(codes))}


# Ids start at 1; a path converter alone would say any integer.
CAMPAIGN_ID = OpenApiParameter("campaign_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)
