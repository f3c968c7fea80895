"""Jobs stopped by an error that says it is permanent, until staff act.

A 404 (tweet deleted, or protected) fails the same way every cycle: the
tweet's jobs are parked, they send nothing more and spend no credits, and the
reason is on the worker state where the dashboard, the admin and
/socap/workers/status show it. Parking is a block without an end
(`blocked_until` far in the future), so every job's existing "blocked" check
skips it with no code of its own; staff re-check the tweet to lift it.
A rejected API key is not parked per tweet: it stops the whole deployment
(xapi/account/key_state.py).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from campaigns.models import Campaign
from ingestion import signals
from ingestion.polling.scheduler import enqueue_tweet_now
from ingestion.polling.worker_state import JOB_TYPES
from socap_project import mongo
from xapi.errors import NotFound, Unauthorized, XApiError

PARKED_UNTIL = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
NOT_IN_BATCH = "the X data API no longer returns this tweet (deleted, or the account is protected)"


def is_parked(state: dict) -> bool:
    """Parked, and still blocked: anything that lifted the block also ended the park."""
    return bool(state.get("parked")) and state.get("blocked_until") == PARKED_UNTIL


ACTIVE_PARK = {"parked": {"$ne": None}, "blocked_until": PARKED_UNTIL}


def _fields(reason: str, error: str, status: int | None) -> dict:
    return {"blocked_until": PARKED_UNTIL, "last_error": f"parked: {reason}; re-check the tweet to resume",
            "parked": {"reason": reason, "error": error, "status": status, "at": timezone.now()}}


def park_tweet(campaign_id: str, tweet_id: str, reason: str, *, error: str = "NotFound",
               status: int | None = 404) -> dict:
    """Park every job of the tweet (what fails for one list fails for all); returns the fields to release with."""
    fields = _fields(reason, error, status)
    mongo.collection(mongo.WORKER_STATE).update_many(
        {"campaign_id": campaign_id, "tweet_id": tweet_id, "job_type": {"$in": list(JOB_TYPES)}},
        {"$set": {**fields, "updated_at": timezone.now()}},
    )
    _show(campaign_id)
    return fields


def _show(campaign_id: str) -> None:
    signals.polling_state_changed.send(sender=Campaign, campaign_id=campaign_id)


def after_error(campaign_id: str, tweet_id: str, job_type: str, exc: XApiError) -> dict:
    """Worker-state fields for a failed run: parked when the error is permanent and about this tweet."""
    message = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, Unauthorized):
        return {"last_error": f"{message} (deployment-wide: every job waits for a working key)"}
    if isinstance(exc, NotFound):
        return park_tweet(campaign_id, tweet_id, f"{exc}", status=exc.status)
    if exc.permanent:  # e.g. a 400 for this tweet's parameters: only this job
        return _fields(str(exc), type(exc).__name__, exc.status)
    return {"last_error": message}


def recheck(campaign_id: int, mongo_id: str, tweet_ids: list[str] | None = None) -> list[str]:
    """Lift the parks of a campaign's tweets and poll each once; a tweet still gone is parked again."""
    query: dict = {"campaign_id": mongo_id, "parked": {"$ne": None}}
    if tweet_ids is not None:
        query["tweet_id"] = {"$in": tweet_ids}
    states = mongo.collection(mongo.WORKER_STATE)
    parked = sorted(states.distinct("tweet_id", query))
    if not parked:
        return []
    states.update_many({**query, "tweet_id": {"$in": parked}},
                       {"$set": {"parked": None, "blocked_until": None, "last_error": None, "retry_count": 0,
                                 "updated_at": timezone.now()}})
    _show(mongo_id)
    for tweet_id in parked:
        enqueue_tweet_now(campaign_id, tweet_id)
    return parked

