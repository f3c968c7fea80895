"""What can go wrong calling the X data API, and whether trying again can help."""

from __future__ import annotations


class XApiError(Exception):
    """Base error. `permanent` errors will fail the same way on retry."""

    permanent = False

    def __init__(self, message: str, *, status: int | None = None, body: str | None = None):
        super().__init__(message)
        self.status = status
        self.body = body


class RateLimited(XApiError):
    """429, or the shared per-key limiter has no free slot (SlotBusy)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class SlotBusy(RateLimited):
    """The shared per-key limiter has no free slot now. No request was sent: retry after `retry_after`
    seconds (when the limiter's window frees one) instead of waiting in the worker."""


class CreditsExhausted(XApiError):
    """402: the account has no credits left until it is recharged."""

    retry_after = None


class CursorExpired(XApiError):
    """The pagination cursor is no longer valid: restart from the top."""


class NotFound(XApiError):
    """The tweet does not exist, was deleted, or is protected."""

    permanent = True


class BadRequest(XApiError):
    permanent = True


class Unauthorized(XApiError):
    """Wrong or missing API key."""

    permanent = True


class Transient(XApiError):
    """5xx, timeout or connection failure that survived the retries."""


class MalformedResponse(XApiError):
    """The body is not the JSON shape the provider documents."""


class ProviderError(XApiError):
    """A failure reported inside a 200 body: {"status": "error", "msg": ...}."""
