"""A rejected API key stops every request of the deployment until the key changes or staff clear it.

A 401/403 is not about one tweet: every job would get it again, every cycle.
The first one is recorded in Redis under the key's fingerprint (a hash prefix,
never the key itself); while the configured key has that fingerprint the client
sends nothing and raises at once, and `/socap/health` fails naming the cause.
Deploying a different key changes the fingerprint, so polling resumes by itself.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.utils import timezone

from socap_project.redis_client import get_redis

FAILURE_KEY = "socap:xapi:key_rejected"


def fingerprint(api_key: str) -> str:
    return hashlib.sha256(f"socap-x-api-key:{api_key}".encode()).hexdigest()[:12]


def record_rejection(api_key: str, status: int | None, message: str) -> dict:
    record = {"fingerprint": fingerprint(api_key), "status": status, "message": message[:300],
              "at": timezone.now().isoformat()}
    get_redis().set(FAILURE_KEY, json.dumps(record))
    return record


def recorded() -> dict | None:
    raw = get_redis().get(FAILURE_KEY)
    return json.loads(raw) if raw else None


def rejection_for(api_key: str, record: dict | None = None) -> dict | None:
    """The recorded rejection when it concerns this key; a record about an older key does not count."""
    record = record if record is not None else recorded()
    return record if record and record.get("fingerprint") == fingerprint(api_key) else None


def clear() -> dict | None:
    """Staff resume polling (e.g. the provider re-enabled the same key); returns what was cleared."""
    conn = get_redis()
    raw = conn.get(FAILURE_KEY)
    conn.delete(FAILURE_KEY)
    return json.loads(raw) if raw else None


def describe(record: dict) -> str:
    return (f"the X data API rejected the configured key (fingerprint {record['fingerprint']}) with "
            f"{record.get('status')} at {record['at']}: {record['message']}. Polling is stopped; set a working "
            "X_API_KEY (polling resumes by itself) or run `manage.py socap_clear_key_rejection` once the key works.")


def current_status() -> dict:
    """For /socap/workers/status and the health check."""
    record = rejection_for(settings.X_API_KEY)
    return {"fingerprint": fingerprint(settings.X_API_KEY), "rejected": record is not None,
            "reason": describe(record) if record else None}


def health_check() -> str:
    """The /socap/health check of the key: fails while the provider rejects it."""
    status = current_status()
    if status["rejected"]:
        raise RuntimeError(status["reason"])
    return f"key {status['fingerprint']} not rejected"
