"""Writes behind the dashboard: incremental rollups and cache invalidation.

Reads stay O(buckets): an engagement adds one to its (hour, account category,
action, tweet category) bucket and updates its account's row, so charts and
counters never scan the engagements collection. `rebuild_rollups` recomputes
both from the engagements (after a restore, or to prove they agree).
"""

from __future__ import annotations

from collections import Counter

from socap_project import mongo
from socap_project.redis_client import get_redis

VERSION_KEY = "socap:dashboard:version:{campaign_id}"


def _bucket(doc: dict) -> tuple:
    return (doc["hour"], doc.get("account_category") or "others", doc["action_type"], doc["tweet_category"])


def _tweet_count_ops(campaign_id: str, docs: list[dict]) -> list:
    counts = Counter((doc["tweet_id"], doc["action_type"]) for doc in docs)
    return [
        mongo.UpdateOne({"campaign_id": campaign_id, "tweet_id": tweet_id, "action_type": action},
                        {"$inc": {"count": count}}, upsert=True)
        for (tweet_id, action), count in counts.items()
    ]


def _rollup_ops(campaign_id: str, docs: list[dict]) -> tuple[list, list]:
    buckets = Counter(_bucket(doc) for doc in docs)
    rollups = [
        mongo.UpdateOne(
            {"campaign_id": campaign_id, "hour": hour, "account_category": category, "action_type": action,
             "tweet_category": tweet_category},
            {"$inc": {"count": count}},
            upsert=True,
        )
        for (hour, category, action, tweet_category), count in buckets.items()
    ]
    per_account: dict[str, list[dict]] = {}
    for doc in docs:
        per_account.setdefault(doc["user_id"], []).append(doc)
    accounts = []
    for user_id, items in per_account.items():
        first = min(items, key=lambda d: d["timestamp"])
        accounts.append(mongo.UpdateOne(
            {"campaign_id": campaign_id, "user_id": user_id},
            {"$setOnInsert": {"account_category": first.get("account_category") or "others"},
             "$set": {"account_profile": first.get("account_profile", {})},
             "$inc": {"engagements": len(items)},
             "$max": {"max_importance": max(d.get("importance_score", 0) for d in items)},
             "$min": {"first_seen": first["timestamp"]}},
            upsert=True,
        ))
    return rollups, accounts


def record_engagements(campaign_id: str, new_engagements: list[dict]) -> None:
    if not new_engagements:
        return
    rollups, accounts = _rollup_ops(campaign_id, new_engagements)
    mongo.collection(mongo.ENGAGEMENT_ROLLUPS).bulk_write(rollups, ordered=False)
    mongo.collection(mongo.CAMPAIGN_ACCOUNTS).bulk_write(accounts, ordered=False)
    mongo.collection(mongo.TWEET_COUNTS).bulk_write(_tweet_count_ops(campaign_id, new_engagements), ordered=False)


def rebuild_rollups(campaign_id: str, batch: int = 2000) -> None:
    for name in (mongo.ENGAGEMENT_ROLLUPS, mongo.CAMPAIGN_ACCOUNTS, mongo.TWEET_COUNTS):
        mongo.collection(name).delete_many({"campaign_id": campaign_id})
    chunk: list[dict] = []
    for doc in mongo.collection(mongo.ENGAGEMENTS).find({"campaign_id": campaign_id}).sort("_id", 1):
        chunk.append(doc)
        if len(chunk) == batch:
            record_engagements(campaign_id, chunk)
            chunk = []
    record_engagements(campaign_id, chunk)
    bump_version(campaign_id)


def bump_version(campaign_id: str) -> int:
    """New data: cached aggregates of this campaign are keyed by the old version and go unused."""
    return int(get_redis().incr(VERSION_KEY.format(campaign_id=campaign_id)))


def current_version(campaign_id: str) -> int:
    return int(get_redis().get(VERSION_KEY.format(campaign_id=campaign_id)) or 0)
