"""Writes behind the dashboard: incremental rollups and cache invalidation.

Reads stay O(buckets): an engagement adds one to its (hour, account category,
action, tweet category) bucket and updates its account's row, so charts and
counters never scan the engagements collection. `rebuild_rollups` recomputes
both from the engagements (after a restore, or to prove they agree).
"""

from __future__ import annotations

from collections import Counter

from dashboard import insight_services, paging
from ingestion import engagement_selectors
from ingestion.engagements import TIME_BEFORE, last_seq
from socap_project import mongo
from socap_project.redis_client import get_redis

VERSION_KEY = "socap:dashboard:version:{campaign_id}"
# Counters kept in the campaign's `campaign_stats` document (the rest of it, e.g.
# the latest metric deltas, belongs to the metrics job).
STAT_FIELDS = ("engagements", "by_action", "by_account_category", "by_tweet_category", "importance_hist",
               "accounts", "accounts_by_category", "account_hist")


def _hour_of(doc: dict):
    # A backfilled retweet's real time is unknown: its own bucket (hour None), not the hour it was found.
    return None if doc.get("time_precision") == TIME_BEFORE else doc["hour"]


def cell(category: str, action: str, tweet_category: str) -> str:
    """The rollup's finest breakdown, one counter per (account category, action, tweet category)."""
    return f"{category}:{action}:{tweet_category}"


def _tweet_count_ops(campaign_id: str, docs: list[dict]) -> list:
    counts = Counter((doc["tweet_id"], doc["action_type"]) for doc in docs)
    return [
        mongo.UpdateOne({"campaign_id": campaign_id, "tweet_id": tweet_id, "action_type": action},
                        {"$inc": {"count": count}}, upsert=True)
        for (tweet_id, action), count in counts.items()
    ]


def _rollup_ops(campaign_id: str, docs: list[dict]) -> list:
    """One document per campaign and hour with nested counters: a chart reads one per hour."""
    per_hour: dict[object, Counter] = {}
    for doc in docs:
        category = doc.get("account_category") or "others"
        counts = per_hour.setdefault(_hour_of(doc), Counter())
        counts["count"] += 1
        counts[f"by_account_category.{category}"] += 1
        counts[f"cells.{cell(category, doc['action_type'], doc['tweet_category'])}"] += 1
    return [mongo.UpdateOne({"campaign_id": campaign_id, "hour": hour}, {"$inc": dict(counts)}, upsert=True)
            for hour, counts in per_hour.items()]


def _record_accounts(campaign_id: str, docs: list[dict]) -> Counter:
    """Upsert each account's row; return the stats increments it implies (new accounts, score moves)."""
    per_account: dict[str, list[dict]] = {}
    for doc in docs:
        per_account.setdefault(doc["user_id"], []).append(doc)
    ops, inserted, best = [], [], {}
    for user_id, items in per_account.items():
        # "First" is the account's earliest stored engagement (lowest seq), so a rebuild
        # in seq order gives every account the same row as the hand-offs did.
        first = min(items, key=lambda d: d.get("seq", 0))
        best[user_id] = max(d.get("importance_score", 0) for d in items)
        inserted.append({"account_category": first.get("account_category") or "others",
                         "max_importance": best[user_id]})
        ops.append(mongo.UpdateOne(
            {"campaign_id": campaign_id, "user_id": user_id},
            {"$setOnInsert": inserted[-1],
             "$set": {"account_profile": first.get("account_profile", {})},
             "$inc": {"engagements": len(items)},
             "$min": {"first_seen": min(d["timestamp"] for d in items), "first_seq": first.get("seq", 0)}},
            upsert=True,
        ))
    accounts = mongo.collection(mongo.CAMPAIGN_ACCOUNTS)
    upserted = accounts.bulk_write(ops, ordered=False).upserted_ids
    users = list(per_account)
    stats: Counter = Counter()
    for index in upserted:
        row = inserted[index]
        stats["accounts"] += 1
        stats[f"accounts_by_category.{row['account_category']}"] += 1
        stats[f"account_hist.{paging.score_key(row['max_importance'])}"] += 1
    for index, user_id in enumerate(users):
        if index in upserted or best[user_id] <= 0:
            continue
        # A known account now engaging with a higher score (rare): move it in the histogram
        # with a conditional update, so concurrent hand-offs move it once.
        before = accounts.find_one_and_update(
            {"campaign_id": campaign_id, "user_id": user_id, "max_importance": {"$lt": best[user_id]}},
            {"$set": {"max_importance": best[user_id]}}, projection={"max_importance": 1})
        if before is not None:
            stats[f"account_hist.{paging.score_key(before['max_importance'])}"] -= 1
            stats[f"account_hist.{paging.score_key(best[user_id])}"] += 1
    return stats


def _engagement_stats(docs: list[dict]) -> Counter:
    stats: Counter = Counter(engagements=len(docs))
    for doc in docs:
        stats[f"by_action.{doc['action_type']}"] += 1
        stats[f"by_account_category.{doc.get('account_category') or 'others'}"] += 1
        stats[f"by_tweet_category.{doc['tweet_category']}"] += 1
        stats[f"importance_hist.{paging.score_key(doc.get('importance_score', 0))}"] += 1
    return stats


def record_engagements(campaign_id: str, new_engagements: list[dict]) -> None:
    """Count newly stored engagements into the rollups, account rows and campaign counters."""
    if not new_engagements:
        return
    mongo.collection(mongo.ENGAGEMENT_ROLLUPS).bulk_write(_rollup_ops(campaign_id, new_engagements), ordered=False)
    mongo.collection(mongo.TWEET_COUNTS).bulk_write(_tweet_count_ops(campaign_id, new_engagements), ordered=False)
    stats = _engagement_stats(new_engagements)
    stats.update(_record_accounts(campaign_id, new_engagements))  # update() keeps a move's -1; "+" would not
    stats.update(insight_services.record(campaign_id, new_engagements))  # after the account rows exist
    mongo.collection(mongo.CAMPAIGN_STATS).update_one({"_id": campaign_id}, {"$inc": dict(stats)}, upsert=True)


# Counted from engagements at write time, one or more documents per campaign (`campaign_id` field).
COUNTED = (mongo.ENGAGEMENT_ROLLUPS, mongo.CAMPAIGN_ACCOUNTS, mongo.TWEET_COUNTS, mongo.CAMPAIGN_HOURS,
           mongo.ACCOUNT_SCOPES)


def rebuild_rollups(campaign_id: str, batch: int = 2000) -> None:
    """Recount rollups, account rows and counters from the engagements, in bounded seq windows."""
    for name in COUNTED:
        mongo.collection(name).delete_many({"campaign_id": campaign_id})
    mongo.collection(mongo.RANKINGS).delete_one({"_id": campaign_id})
    mongo.collection(mongo.CAMPAIGN_STATS).update_one(
        {"_id": campaign_id}, {"$unset": {field: "" for field in STAT_FIELDS + insight_services.STAT_FIELDS}})
    top = last_seq(campaign_id)
    for low in range(1, top + 1, batch):
        chunk = engagement_selectors.seq_range(campaign_id, low, low + batch)
        chunk.sort(key=lambda doc: doc["seq"])
        record_engagements(campaign_id, chunk)
    bump_version(campaign_id)


def record_latest_deltas(campaign_id: str, tweet_id: str, deltas: dict) -> None:
    """The "change since last poll" column reads these, one per tweet, instead of the delta history."""
    mongo.collection(mongo.CAMPAIGN_STATS).update_one(
        {"_id": campaign_id}, {"$set": {f"latest_deltas.{tweet_id}": deltas}}, upsert=True)


def forget_tweets(campaign_id: str, tweet_ids: list[str]) -> None:
    """Untracked tweets leave "change since last poll" (their engagements leave on the recount)."""
    mongo.collection(mongo.CAMPAIGN_STATS).update_one(
        {"_id": campaign_id}, {"$unset": {f"latest_deltas.{tweet_id}": "" for tweet_id in tweet_ids}})
    bump_version(campaign_id)


def bump_version(campaign_id: str) -> int:
    """New data: cached aggregates of this campaign are keyed by the old version and go unused."""
    return int(get_redis().incr(VERSION_KEY.format(campaign_id=campaign_id)))


def current_version(campaign_id: str) -> int:
    return int(get_redis().get(VERSION_KEY.format(campaign_id=campaign_id)) or 0)


def forget_campaign(campaign_id: str) -> dict[str, int]:
    return mongo.delete_campaign_documents(campaign_id, COUNTED, (mongo.CAMPAIGN_STATS, mongo.RANKINGS))
