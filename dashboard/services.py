"""Writes behind the dashboard: incremental rollups and cache invalidation.

Reads stay O(buckets): an engagement adds one to its (hour, account category,
action, tweet category) bucket and updates its account's row, so charts and
counters never scan the engagements collection. `rebuild_rollups` recomputes
both from the engagements (after a restore, or to prove they agree).
"""

from __future__ import annotations

from collections import Counter

from dashboard import insight_services, paging
from ingestion import selectors as ingestion_selectors
from ingestion.contract import TIME_BEFORE
from ingestion.selectors import last_seq
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
        mongo.update_op(mongo.TWEET_COUNTS, {"campaign_id": campaign_id, "tweet_id": tweet_id, "action_type": action},
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
    return [mongo.update_op(mongo.ENGAGEMENT_ROLLUPS, {"campaign_id": campaign_id, "hour": hour},
                            {"$inc": dict(counts)}, upsert=True)
            for hour, counts in per_hour.items()]


def _known_rows(campaign_id: str, user_ids: list[str]) -> dict[str, dict]:
    """Account rows of accounts engaged before (one point lookup on the unique (campaign_id, user_id))."""
    if not user_ids:
        return {}
    return {row["user_id"]: row for row in mongo.collection(mongo.CAMPAIGN_ACCOUNTS).find(
        {"campaign_id": campaign_id, "user_id": {"$in": user_ids}},
        {"_id": 0, "user_id": 1, "max_importance": 1, "distinct_tweets": 1})}


def _account_ops(campaign_id: str, docs: list[dict], new: set[str], before: dict[str, dict],
                 tweets_added: dict[str, int]) -> tuple[list, Counter]:
    """Each account's row update, and the stats increments they imply (new accounts, score moves)."""
    per_account: dict[str, list[dict]] = {}
    for doc in docs:
        per_account.setdefault(doc["user_id"], []).append(doc)
    ops, stats = [], Counter()
    for user_id, items in per_account.items():
        # "First" is the account's earliest stored engagement (lowest seq), so a rebuild
        # in seq order gives every account the same row as the hand-offs did.
        first = min(items, key=lambda d: d.get("seq", 0))
        best = max(d.get("importance_score", 0) for d in items)
        category = first.get("account_category") or "others"
        first_seen = min(d["timestamp"] for d in items)
        if user_id in new:
            # The account's claim says no row exists yet: an insert, this engine's cheapest write.
            ops.append(mongo.insert_op(mongo.CAMPAIGN_ACCOUNTS, {
                "campaign_id": campaign_id, "user_id": user_id, "account_category": category,
                "account_profile": first.get("account_profile", {}), "engagements": len(items),
                "distinct_tweets": tweets_added.get(user_id, 0), "max_importance": best, "first_seen": first_seen,
                "first_seq": first.get("seq", 0)}))
        else:
            ops.append(mongo.update_op(mongo.CAMPAIGN_ACCOUNTS, {"campaign_id": campaign_id, "user_id": user_id}, {
                "$set": {"account_profile": first.get("account_profile", {})},
                "$inc": {"engagements": len(items), "distinct_tweets": tweets_added.get(user_id, 0)},
                "$max": {"max_importance": best},
                "$min": {"first_seen": first_seen, "first_seq": first.get("seq", 0)}}))
        if user_id in new:
            stats["accounts"] += 1
            stats[f"accounts_by_category.{category}"] += 1
            stats[f"account_hist.{paging.score_key(best)}"] += 1
        elif user_id in before:
            # A known account now engaging with a higher score (rare): move it in the histogram.
            old = before[user_id].get("max_importance") or 0
            if best > old:
                stats[f"account_hist.{paging.score_key(old)}"] -= 1
                stats[f"account_hist.{paging.score_key(best)}"] += 1
    return ops, stats


def _engagement_stats(docs: list[dict]) -> Counter:
    stats: Counter = Counter(engagements=len(docs))
    for doc in docs:
        stats[f"by_action.{doc['action_type']}"] += 1
        stats[f"by_account_category.{doc.get('account_category') or 'others'}"] += 1
        stats[f"by_tweet_category.{doc['tweet_category']}"] += 1
        stats[f"importance_hist.{paging.score_key(doc.get('importance_score', 0))}"] += 1
    return stats


def add_claims(campaign_id: str, docs: list[dict], writes: mongo.Writes) -> None:
    """First sightings claimed in the same write that stores the engagements (dashboard/insight_services.py)."""
    insight_services.add_claims(campaign_id, docs, writes)


def add_engagements(campaign_id: str, docs: list[dict], claims: mongo.Writes, writes: mongo.Writes,
                    recovered: bool = False) -> None:
    """Add every counter update for newly stored engagements to `writes`, which the caller sends at once.

    Reads at most one thing first: the rows of accounts seen before (for their histogram moves).
    Everything else is a pre-added increment, so the whole hand-off is one write whose filters are
    equalities on unique keys; the caller puts its own progress mark in the same write, so a crash
    leaves either all of it or none of it (docs/data-model.md, "The page write").
    """
    if not docs:
        return
    won = insight_services.won_claims(campaign_id, docs, claims, recovered)
    new = {user_id for scope, user_id in won if scope == "all"}
    before = _known_rows(campaign_id, sorted({doc["user_id"] for doc in docs} - new))
    stats = _engagement_stats(docs)
    insight_stats, tweets_added = insight_services.add_record(campaign_id, docs, won, before, writes)
    account_ops, account_stats = _account_ops(campaign_id, docs, new, before, tweets_added)
    stats.update(account_stats)  # update() keeps a move's -1; "+" would not
    stats.update(insight_stats)
    for op in _rollup_ops(campaign_id, docs) + _tweet_count_ops(campaign_id, docs) + account_ops:
        writes.add(op)
    writes.add(mongo.update_op(mongo.CAMPAIGN_STATS, {"_id": campaign_id}, {"$inc": dict(stats)}, upsert=True))


def record_engagements(campaign_id: str, new_engagements: list[dict], recovered: bool = False) -> None:
    """Count engagements already stored into the rollups, account rows and campaign counters.

    The same two writes as a page hand-off (claims, then the counters), without the engagements.
    """
    if not new_engagements:
        return
    claims, writes = mongo.Writes(), mongo.Writes()
    add_claims(campaign_id, new_engagements, claims)
    claims.send()
    add_engagements(campaign_id, new_engagements, claims, writes, recovered)
    writes.send()


# Counted from engagements at write time, one or more documents per campaign (`campaign_id` field).
COUNTED = (mongo.ENGAGEMENT_ROLLUPS, mongo.CAMPAIGN_ACCOUNTS, mongo.TWEET_COUNTS, mongo.CAMPAIGN_HOURS)


def _forget_claims(campaign_id: str) -> int:
    """The campaign's first-sighting claims: a range of their `_id` (the collection's only index)."""
    return mongo.collection(mongo.ACCOUNT_SCOPES).delete_many(
        {"_id": {"$gte": f"{campaign_id}|", "$lt": f"{campaign_id}}}"}}).deleted_count


def migrate_claims(batch: int = 1000) -> int:
    """Rewrite first-sighting rows of earlier versions (keyed by an ObjectId, with campaign, scope and account
    fields) as claims keyed by `_id`, so a new claim collides with the old row. Safe to rerun."""
    scopes, moved = mongo.collection(mongo.ACCOUNT_SCOPES), 0
    while rows := list(scopes.find({"scope": {"$exists": True}}).limit(batch)):
        claims = mongo.Writes()
        for row in rows:
            claims.add(mongo.insert_op(mongo.ACCOUNT_SCOPES, {
                "_id": insight_services.claim_id(row["campaign_id"], row["scope"], row["user_id"]),
                "seq": 0, "followers": row.get("followers", 0)}))
        claims.send()  # a claim already rewritten by an interrupted earlier pass is refused: fine
        scopes.delete_many({"_id": {"$in": [row["_id"] for row in rows]}})
        moved += len(rows)
    return moved


def rebuild_rollups(campaign_id: str, batch: int = 2000) -> None:
    """Recount rollups, account rows and counters from the engagements, in bounded seq windows."""
    for name in COUNTED:
        mongo.collection(name).delete_many({"campaign_id": campaign_id})
    _forget_claims(campaign_id)
    mongo.collection(mongo.RANKINGS).delete_one({"_id": campaign_id})
    mongo.collection(mongo.CAMPAIGN_STATS).update_one(
        {"_id": campaign_id}, {"$unset": {field: "" for field in STAT_FIELDS + insight_services.STAT_FIELDS}})
    top = last_seq(campaign_id)
    for low in range(1, top + 1, batch):
        chunk = ingestion_selectors.seq_range(campaign_id, low, low + batch)
        chunk.sort(key=lambda doc: doc["seq"])
        record_engagements(campaign_id, chunk)
    bump_version(campaign_id)


def add_latest_deltas(writes: mongo.Writes, campaign_id: str, deltas: dict[str, dict]) -> None:
    """The "change since last poll" column reads these, one per tweet, instead of the delta history:
    one update for every tweet a metrics batch read."""
    if deltas:
        writes.add(mongo.update_op(mongo.CAMPAIGN_STATS, {"_id": campaign_id}, {"$set": {
            f"latest_deltas.{tweet_id}": values for tweet_id, values in deltas.items()}}, upsert=True))


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
    removed = mongo.delete_campaign_documents(campaign_id, COUNTED, (mongo.CAMPAIGN_STATS, mongo.RANKINGS))
    removed[mongo.ACCOUNT_SCOPES] = _forget_claims(campaign_id)
    return removed
