"""Worker state documents: one per (campaign, tweet, job type), see docs/data-model.md."""

from __future__ import annotations

from django.utils import timezone

from socap_project import mongo
from socap_project.vocabulary import ACTION_PLURALS

LIST_JOBS = tuple(ACTION_PLURALS.values())  # one per action, named by its plural
JOB_TYPES = ("metrics", *LIST_JOBS)



def initial_state(campaign_id: str, tweet_id: str, job_type: str) -> dict:
    return {
        "campaign_id": campaign_id,
        "tweet_id": tweet_id,
        "job_type": job_type,
        "last_success": None,
        "cursor": None,
        "backfill_done": False,
        "last_count": None,
        "blocked_until": None,
        "last_error": None,
        "retry_count": 0,
        "lease_owner": None,
        "lease_until": None,
        "last_run": None,
        "updated_at": timezone.now(),
    }


def create_states(campaign_id: str, tweet_ids: list[str]) -> int:
    """Empty checkpoints for every job of every tweet; existing states are kept."""
    ops = [
        mongo.UpdateOne(
            {"campaign_id": campaign_id, "tweet_id": tweet_id, "job_type": job_type},
            {"$setOnInsert": initial_state(campaign_id, tweet_id, job_type)},
            upsert=True,
        )
        for tweet_id in tweet_ids
        for job_type in JOB_TYPES
    ]
    if not ops:
        return 0
    return mongo.collection(mongo.WORKER_STATE).bulk_write(ops, ordered=False).upserted_count


def states_for_campaign(campaign_id: str) -> list[dict]:
    return list(
        mongo.collection(mongo.WORKER_STATE)
        .find({"campaign_id": campaign_id}, {"_id": 0})
        .sort([("tweet_id", mongo.ASCENDING), ("job_type", mongo.ASCENDING)])
    )
