"""Live API spend: counters kept at write time, one `$inc` per provider call.

Every call's credits already go to `api_usage` (one document per call, for the
report and audits). Summing that collection per dashboard request would read
every call the campaign ever made, so the same write also bumps two counter
documents in `api_spend`: the campaign's running total (requests and credits
per job type) and the campaign's current hour. Both writes go in one round
trip. Reads are point lookups by `_id` (see ingestion/costs/spend_selectors.py).

The same collection holds one document per API key with the provider's
"credits exhausted" (402) state, so a budget check reads campaign spend and
key state in one `$in` lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings

from socap_project import mongo

SPEND = "api_spend"
JOB_OF_ENDPOINT = {
    "/twitter/tweets": "metrics",
    "/twitter/tweet/retweeters": "retweets",
    "/twitter/tweet/replies": "replies",
    "/twitter/tweet/quotes": "quotes",
}


def total_id(campaign_id: str) -> str:
    return f"campaign:{campaign_id}"


def hour_id(campaign_id: str, hour: dt.datetime) -> str:
    return f"campaign:{campaign_id}:{hour:%Y%m%d%H}"


def key_id(api_key: str | None = None) -> str:
    # A fingerprint, never the key itself: this document is shown to staff.
    key = settings.X_API_KEY if api_key is None else api_key
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:16]


def record_call(campaign_id: str | None, tweet_id: str | None, endpoint: str, items: int, status: int,
                credits: int, at: dt.datetime) -> None:
    """One provider call: the per-call log (report, audits) and, for a campaign's call, its counters."""
    mongo.collection(mongo.API_USAGE).insert_one({
        "campaign_id": campaign_id, "tweet_id": tweet_id, "endpoint": endpoint, "items": items,
        "status": status, "credits": credits, "at": at,
    })
    if campaign_id:
        # Live spend and the budget read counters, never this per-call log.
        record(campaign_id, endpoint, credits, at)


def record(campaign_id: str, endpoint: str, credits: int, at: dt.datetime) -> None:
    job = JOB_OF_ENDPOINT.get(endpoint, "other")
    inc = {f"requests.{job}": 1, f"credits.{job}": credits, "requests_total": 1, "credits_total": credits}
    hour = at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    mongo.collection(SPEND).bulk_write([
        mongo.UpdateOne({"_id": total_id(campaign_id)},
                        {"$inc": inc, "$set": {"updated_at": at},
                         "$setOnInsert": {"campaign_id": campaign_id, "kind": "total", "first_at": at}},
                        upsert=True),
        mongo.UpdateOne({"_id": hour_id(campaign_id, hour)},
                        {"$inc": inc, "$setOnInsert": {"campaign_id": campaign_id, "kind": "hour", "hour": hour}},
                        upsert=True),
    ], ordered=False)


def block_key(reason: str, now: dt.datetime) -> None:
    """The provider said the key has no credits left: every campaign on it stops until the block lapses."""
    until = now + dt.timedelta(seconds=settings.SOCAP_CREDITS_BLOCK_SECONDS)
    mongo.collection(SPEND).update_one(
        {"_id": key_id()},
        {"$set": {"kind": "key", "campaign_id": None, "blocked_reason": reason, "blocked_at": now,
                  "blocked_until": until}},
        upsert=True,
    )


def claim_alert(campaign_id: str, level: int, budget: int, now: dt.datetime) -> bool:
    """True for the one caller that first sees this budget cross `level` percent (then it queues the alert)."""
    field = f"alerts.{level}_{budget}"
    result = mongo.collection(SPEND).update_one(
        {"_id": total_id(campaign_id), field: {"$exists": False}}, {"$set": {field: now}})
    return result.modified_count == 1
