"""The API key's one fingerprint: a hash prefix that names the key wherever SOCAP keeps state about it.

The rate limiter's Redis key, the rejection record (key_state.py) and the spend key document
(`api_spend`) are all derived from this value, so they always agree on which key they mean.
It is shown to staff and logged; the key itself never is.
"""

from __future__ import annotations

import hashlib

from django.conf import settings


def fingerprint(api_key: str | None = None) -> str:
    """12 hex characters of a salted SHA-256 of the key (the configured X_API_KEY by default)."""
    key = settings.X_API_KEY if api_key is None else api_key
    return hashlib.sha256(f"socap-x-api-key:{key}".encode()).hexdigest()[:12]
