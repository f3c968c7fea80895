"""The error an app raises with its JSON API answer already decided. The apps subclass it
(campaigns.inputs), so the platform's exception handler (socap_project/api.py) names none of them."""

from __future__ import annotations


class ApiError(Exception):
    """field path -> messages, the status and any headers of the answer."""

    status_code = 400

    def __init__(self, message: str, errors: dict[str, list[str]], headers: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = errors
        self.headers = headers or {}
