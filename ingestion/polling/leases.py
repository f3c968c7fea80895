"""One runner per (campaign, tweet, job) at a time: an expiring lease on the worker_state document.

Two Beats, Beat plus the trigger endpoint, or a redelivered task may start the
same job twice; the second finds the lease taken and exits. The lease is
renewed after every page, so a killed worker blocks the job only until it lapses.

Every write here filters on the unique key (campaign_id, tweet_id, job_type) alone; whether the
lease is free or ours is decided inside a pipeline update (`$cond`), which any engine answers with
one index point lookup, instead of a range or an extra field in the filter.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from django.conf import settings
from django.utils import timezone

from socap_project import mongo


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _key(campaign_id: str, tweet_id: str, job_type: str) -> dict:
    return {"campaign_id": campaign_id, "tweet_id": tweet_id, "job_type": job_type}


def _when(condition: dict, values: dict) -> dict:
    """Pipeline stage: set each field to its value when `condition` holds, else leave it as it is."""
    return {"$set": {name: {"$cond": [condition, {"$literal": value}, f"${name}"]} for name, value in values.items()}}


def _ours(owner: str) -> dict:
    return {"$eq": [{"$ifNull": ["$lease_owner", None]}, owner]}


def _until(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(seconds=settings.SOCAP_LEASE_SECONDS)


def _take(owner: str) -> list[dict]:
    """Pipeline update: the lease becomes `owner`'s when it is free (lapsed or never taken)."""
    now = timezone.now()
    free = {"$lt": [{"$ifNull": ["$lease_until", None]}, now]}  # null and missing sort before any date
    return [_when(free, {"lease_owner": owner, "lease_until": _until(now)})]


def acquire(campaign_id: str, tweet_id: str, job_type: str, owner: str) -> dict | None:
    """The worker_state document with the lease taken, or None when another runner holds it."""
    state = mongo.collection(mongo.WORKER_STATE).find_one_and_update(
        _key(campaign_id, tweet_id, job_type), _take(owner), return_document=mongo.ReturnDocument.AFTER)
    return state if state is not None and state.get("lease_owner") == owner else None


def acquire_many(campaign_id: str, tweet_ids: list[str], job_type: str, owner: str) -> dict[str, dict]:
    """`acquire` for many tweets in two round trips (one write, one read): tweet id → its worker_state
    document, for the tweets whose lease this owner now holds."""
    if not tweet_ids:
        return {}
    take, writes = _take(owner), mongo.Writes()
    for tweet_id in tweet_ids:
        writes.add(mongo.update_op(mongo.WORKER_STATE, _key(campaign_id, tweet_id, job_type), take))
    writes.send()
    states = mongo.collection(mongo.WORKER_STATE).find(
        {"campaign_id": campaign_id, "tweet_id": {"$in": tweet_ids}, "job_type": job_type})
    return {state["tweet_id"]: state for state in states if state.get("lease_owner") == owner}


def _renewal(owner: str, fields: dict) -> list[dict]:
    now = timezone.now()
    stage = _when(_ours(owner), {**fields, "updated_at": now, "lease_until": _until(now)})
    # Always changes the document when the lease is ours (times may repeat within a millisecond),
    # so "modified" means "held".
    stage["$set"]["lease_renewals"] = {"$cond": [_ours(owner), {"$add": [{"$ifNull": ["$lease_renewals", 0]}, 1]},
                                                 "$lease_renewals"]}
    return [stage]


def checkpoint(campaign_id: str, tweet_id: str, job_type: str, owner: str, fields: dict) -> bool:
    """Save progress and renew the lease in one write; False when the lease was lost."""
    result = mongo.collection(mongo.WORKER_STATE).update_one(
        _key(campaign_id, tweet_id, job_type), _renewal(owner, fields))
    return result.modified_count == 1


def add_checkpoint(writes: mongo.Writes, campaign_id: str, tweet_id: str, job_type: str, owner: str,
                   fields: dict, handed_off_seq: int | None = None) -> int:
    """Add a checkpoint to a page's write; `writes.modified(index)` then says whether the lease held.

    `handed_off_seq` moves the job's hand-off mark (`$max`) whoever holds the lease: the counters in
    the same write are applied either way, so the mark must say so.
    """
    key = _key(campaign_id, tweet_id, job_type)
    if handed_off_seq is not None:
        writes.add(mongo.update_op(mongo.WORKER_STATE, key, [{"$set": {"handed_off_seq": {
            "$max": [{"$ifNull": ["$handed_off_seq", 0]}, handed_off_seq]}}}]))
    return writes.add(mongo.update_op(mongo.WORKER_STATE, key, _renewal(owner, fields)), result=True)


def _release_stage(owner: str, fields: dict | None, failed: bool) -> dict:
    stage = _when(_ours(owner), {**(fields or {}), "lease_owner": None, "lease_until": None,
                                 "updated_at": timezone.now()})
    if failed:
        stage["$set"]["retry_count"] = {"$cond": [_ours(owner), {"$add": [{"$ifNull": ["$retry_count", 0]}, 1]},
                                                  "$retry_count"]}
    return stage


def release(campaign_id: str, tweet_id: str, job_type: str, owner: str, fields: dict | None = None,
            *, failed: bool = False) -> None:
    """Give the lease back with the run's outcome; `failed` counts one more retry."""
    mongo.collection(mongo.WORKER_STATE).update_one(_key(campaign_id, tweet_id, job_type),
                                                    [_release_stage(owner, fields, failed)])


def add_release(writes: mongo.Writes, campaign_id: str, tweet_id: str, job_type: str, owner: str,
                fields: dict | None = None, *, failed: bool = False) -> None:
    """`release` as one operation of a batch (e.g. a metrics run gives back a hundred leases at once)."""
    writes.add(mongo.update_op(mongo.WORKER_STATE, _key(campaign_id, tweet_id, job_type),
                               [_release_stage(owner, fields, failed)]))
