"""One runner per (campaign, tweet, job) at a time: an expiring lease on the worker_state document.

Two Beats, Beat plus the trigger endpoint, or a redelivered task may start the
same job twice; the second finds the lease taken and exits. The lease is
renewed after every page, so a killed worker blocks the job only until it lapses.
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


def acquire(campaign_id: str, tweet_id: str, job_type: str, owner: str) -> dict | None:
    """The worker_state document with the lease taken, or None when another runner holds it."""
    now = timezone.now()
    return mongo.collection(mongo.WORKER_STATE).find_one_and_update(
        {**_key(campaign_id, tweet_id, job_type), "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}]},
        {"$set": {"lease_owner": owner, "lease_until": now + dt.timedelta(seconds=settings.SOCAP_LEASE_SECONDS)}},
        return_document=mongo.ReturnDocument.AFTER,
    )


def checkpoint(campaign_id: str, tweet_id: str, job_type: str, owner: str, fields: dict) -> bool:
    """Save progress and renew the lease in one write; False when the lease was lost."""
    now = timezone.now()
    result = mongo.collection(mongo.WORKER_STATE).update_one(
        {**_key(campaign_id, tweet_id, job_type), "lease_owner": owner},
        {"$set": {**fields, "updated_at": now,
                  "lease_until": now + dt.timedelta(seconds=settings.SOCAP_LEASE_SECONDS)}},
    )
    return result.matched_count == 1


def release(campaign_id: str, tweet_id: str, job_type: str, owner: str, fields: dict | None = None,
            *, failed: bool = False) -> None:
    """Give the lease back with the run's outcome; `failed` counts one more retry."""
    update: dict = {"$set": {**(fields or {}), "lease_owner": None, "lease_until": None, "updated_at": timezone.now()}}
    if failed:
        update["$inc"] = {"retry_count": 1}
    mongo.collection(mongo.WORKER_STATE).update_one(
        {**_key(campaign_id, tweet_id, job_type), "lease_owner": owner}, update
    )
