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
    403: "The credentials are not a staff user's: every endpoint of this API is staff only (`is_staff`).",
    404: "No such campaign (or account).",
    413: "Body (Content-Length) larger than SOCAP_MAX_API_BODY_BYTES (default 262144); "
         "`errors.body` gives the size and the limit; nothing was read or changed.",
    503: "A dependency (the X data API, a store) is unavailable; nothing was changed.",
}


# A public endpoint's 403 is about its own secret (the trigger's header), not about staff.
PUBLIC_FORBIDDEN = "Missing or wrong credentials for this endpoint (see its parameters)."


class ErrorsSerializer(serializers.Serializer):
    """Every 4xx/5xx body of the API (socap_project.api.errors_response)."""

    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field path (`a.b[0].c`, `body`, `detail`) -> messages.",
    )


def errors(*codes: int, public: bool = False) -> dict[int, OpenApiResponse]:
    """Error responses for @extend_schema; token-protected views can always answer 401 and 403."""
    codes = codes if public else (*codes, 401, 403)
    text = {**ERROR_TEXT, 403: PUBLIC_FORBIDDEN} if public else ERROR_TEXT
    return {code: OpenApiResponse(ErrorsSerializer, description=text[code]) for code in sorted(set(codes))}


# Ids start at 1; a path converter alone would say any integer.
CAMPAIGN_ID = OpenApiParameter("campaign_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)
