"""The API key's state: refused by the provider (401/403) or out of credits (402).

A 401/403 is not about one tweet: every job would get it again, every cycle.
The first one is recorded in Redis under the key's fingerprint (never the key
itself); while the configured key has that fingerprint the client sends nothing
and raises at once, and `/socap/health` fails naming the cause. Deploying a
different key changes the fingerprint, so polling resumes by itself.

A 402 ("credits exhausted") is recorded on the key's document in `api_spend`
(`key:<fingerprint>`), beside the campaigns' spend counters, so the budget check
reads both in one lookup (budget.py); it lapses after SOCAP_CREDITS_BLOCK_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.conf import settings
from django.utils import timezone

from socap_project import mongo
from socap_project.redis_client import get_redis
from xapi.account.fingerprint import fingerprint
from xapi.account.spend import SPEND

FAILURE_KEY = "socap:xapi:key_rejected"


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


def key_id(api_key: str | None = None) -> str:
    """The key's document in `api_spend` (the configured key by default)."""
    return "key:" + fingerprint(api_key)


def mark_exhausted(reason: str, now: dt.datetime) -> None:
    """The provider said the key has no credits left: every campaign on it stops until the block lapses."""
    until = now + dt.timedelta(seconds=settings.SOCAP_CREDITS_BLOCK_SECONDS)
    mongo.collection(SPEND).update_one(
        {"_id": key_id()},
        {"$set": {"kind": "key", "campaign_id": None, "blocked_reason": reason, "blocked_at": now,
                  "blocked_until": until}},
        upsert=True,
    )


def exhaustion(key: dict, now: dt.datetime) -> tuple[str | None, dt.datetime | None]:
    """(provider's reason, until when) from the key's document while its 402 block lasts, else (None, None)."""
    until = key.get("blocked_until")
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=dt.UTC)
    if until is None or until <= now:
        return None, None
    return key.get("blocked_reason"), until


def move_legacy_key_document() -> int:
    """Upgrade step (socap_init_db): earlier versions named the key's document `key:` + the first 16 hex of
    an unsalted SHA-256 of the key; move the configured key's document to its fingerprint id. The newer of
    the two documents is kept (by `blocked_at`), the old one deleted; a second run finds nothing to move."""
    old_id = "key:" + hashlib.sha256(settings.X_API_KEY.encode()).hexdigest()[:16]
    spend = mongo.collection(SPEND)
    old = spend.find_one({"_id": old_id})
    if old is None or old_id == key_id():
        return 0
    fields = {name: value for name, value in old.items() if name != "_id"}
    current = spend.find_one({"_id": key_id()}) or {}
    if _blocked_at(old) >= _blocked_at(current):
        spend.update_one({"_id": key_id()}, {"$set": fields}, upsert=True)
    spend.delete_one({"_id": old_id})  # after the copy: a crash in between copies it again
    return 1


def _blocked_at(key: dict) -> dt.datetime:
    at = key.get("blocked_at") or dt.datetime.min
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at
