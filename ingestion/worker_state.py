"""Worker state documents: one per (campaign, tweet, job type), see docs/data-model.md."""

from __future__ import annotations

from django.utils import timezone

from campaigns.vocabulary import ACTION_PLURALS
from socap_project import mongo

LIST_JOBS = tuple(ACTION_PLURALS.values())  # one per action, named by its plural
JOB_TYPES = ("metrics", *LIST_JOBS)

# Every collection whose documents belong to one campaign (removed with it).
CAMPAIGN_COLLECTIONS = (
    mongo.ENGAGEMENTS,
    mongo.WORKER_STATE,
    mongo.METRIC_SNAPSHOTS,
    mongo.METRIC_DELTAS,
    mongo.ALERT_QUEUE,
    mongo.POLL_CYCLES,
    mongo.API_USAGE,
    mongo.ENGAGEMENT_ROLLUPS,
    mongo.CAMPAIGN_ACCOUNTS,
    mongo.TWEET_COUNTS,
    mongo.FINAL_REPORTS,
    "api_spend",  # ingestion.spend.SPEND (counters; the key documents carry no campaign_id)
    mongo.CAMPAIGN_HOURS,
    mongo.ACCOUNT_SCOPES,
)


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


def delete_tweet_documents(campaign_id: str, tweet_ids: list[str]) -> None:
    for name in CAMPAIGN_COLLECTIONS:
        mongo.collection(name).delete_many({"campaign_id": campaign_id, "tweet_id": {"$in": tweet_ids}})


# One document per campaign, keyed by the campaign id itself.
CAMPAIGN_KEYED = (mongo.COUNTERS, mongo.CAMPAIGN_STATS, mongo.RANKINGS)


def delete_campaign_documents(campaign_id: str) -> dict[str, int]:
    removed = {
        name: mongo.collection(name).delete_many({"campaign_id": campaign_id}).deleted_count
        for name in CAMPAIGN_COLLECTIONS
    }
    for name in CAMPAIGN_KEYED:
        removed[name] = mongo.collection(name).delete_one({"_id": campaign_id}).deleted_count
    return removed


def states_for_campaign(campaign_id: str) -> list[dict]:
    return list(
        mongo.collection(mongo.WORKER_STATE)
        .find({"campaign_id": campaign_id}, {"_id": 0})
        .sort([("tweet_id", mongo.ASCENDING), ("job_type", mongo.ASCENDING)])
    )
