"""Dashboard reads: O(buckets) from the rollups, cached per campaign version for a minute."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections import defaultdict

from django.core.cache import cache

from campaigns.models import Campaign, TrackedTweet
from dashboard.services import current_version
from socap_project import mongo

METRICS = ("likes", "retweets", "quotes", "replies", "views", "bookmarks")
SOURCE = {"likes": "likeCount", "retweets": "retweetCount", "quotes": "quoteCount", "replies": "replyCount",
          "views": "viewCount", "bookmarks": "bookmarkCount"}
CACHE_SECONDS = 60
ACTIONS = ("retweet", "reply", "quote")
ACCOUNT_CATEGORIES = ("founders", "vcs", "ai_creators", "media", "developers", "c_level", "yc_alumni", "others")
TWEET_CATEGORIES = ("main_twt", "influencer_twt", "investor_twt")


def cached(campaign: Campaign, view: str, compute, *params):
    """Key per campaign, view, parameters and data version: new data means a new key."""
    key = f"dash:{campaign.pk}:{current_version(campaign.mongo_id)}:{view}:" + ":".join(map(str, params))
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def _bucket_start(moment: dt.datetime, granularity: str) -> dt.datetime:
    moment = moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0) if granularity == "day" else moment


# -- header and counters ---------------------------------------------------------
def summary(campaign: Campaign) -> dict:
    def compute():
        totals = dict.fromkeys(METRICS, 0)
        last_update = None
        for tweet in campaign.tweets.all():
            for name in METRICS:
                totals[name] += int((tweet.metrics or {}).get(SOURCE[name], 0) or 0)
            updated = (tweet.metrics or {}).get("last_updated")
            if updated:
                moment = dt.datetime.fromisoformat(updated)
                last_update = max(last_update, moment) if last_update else moment
        change = dict.fromkeys(METRICS, 0)
        latest = mongo.collection(mongo.METRIC_DELTAS).aggregate([
            {"$match": {"campaign_id": campaign.mongo_id}},
            {"$sort": {"recorded_at": -1}},
            {"$group": {"_id": "$tweet_id", "deltas": {"$first": "$deltas"}}},
        ])
        for row in latest:
            for name in METRICS:
                change[name] += int((row.get("deltas") or {}).get(name, 0) or 0)
        rows = list(mongo.collection(mongo.ENGAGEMENT_ROLLUPS).aggregate([
            {"$match": {"campaign_id": campaign.mongo_id}},
            {"$group": {"_id": None, "n": {"$sum": "$count"}}},
        ]))
        accounts = mongo.collection(mongo.CAMPAIGN_ACCOUNTS)
        return {
            "totals": totals,
            "change": change,
            "engagements": rows[0]["n"] if rows else 0,
            "unique_accounts": accounts.count_documents({"campaign_id": campaign.mongo_id}),
            "important_accounts": accounts.count_documents(
                {"campaign_id": campaign.mongo_id, "max_importance": {"$gte": campaign.importance_threshold}}),
            "last_update": last_update,
        }

    return cached(campaign, "summary", compute)


# -- charts ------------------------------------------------------------------------
def metrics_series(campaign: Campaign, granularity: str) -> dict:
    """Cumulative metrics: the last snapshot of every hour (or day), total and per tweet category."""

    def compute():
        points: dict[dt.datetime, dict] = {}
        for snap in mongo.collection(mongo.METRIC_SNAPSHOTS).find(
                {"campaign_id": campaign.mongo_id}).sort("snapshot_time", mongo.ASCENDING):
            points[_bucket_start(snap["snapshot_time"], granularity)] = snap
        times = sorted(points)
        series = {
            "total": {name: [points[t].get(f"total_{name}", 0) for t in times] for name in METRICS},
            **{category: {name: [((points[t].get("tweet_breakdown") or {}).get(category) or {}).get(name, 0)
                                 for t in times] for name in METRICS} for category in TWEET_CATEGORIES},
        }
        return {"granularity": granularity, "times": [t.isoformat() for t in times], "series": series}

    return cached(campaign, "metrics", compute, granularity)


def accounts_by_category(campaign: Campaign) -> dict[str, int]:
    def compute():
        rows = mongo.collection(mongo.CAMPAIGN_ACCOUNTS).aggregate([
            {"$match": {"campaign_id": campaign.mongo_id}},
            {"$group": {"_id": "$account_category", "n": {"$sum": 1}}},
        ])
        counts = {row["_id"] or "others": row["n"] for row in rows}
        return {category: counts[category] for category in ACCOUNT_CATEGORIES if counts.get(category)}

    return cached(campaign, "accounts", compute)


def profile_timeseries(campaign: Campaign, granularity: str) -> dict:
    """Engagements per account category per hour (or day), from the rollups."""

    def compute():
        grid: dict[str, dict[dt.datetime, int]] = defaultdict(lambda: defaultdict(int))
        times = set()
        for row in mongo.collection(mongo.ENGAGEMENT_ROLLUPS).find({"campaign_id": campaign.mongo_id}):
            bucket = _bucket_start(row["hour"], granularity)
            grid[row["account_category"]][bucket] += row["count"]
            times.add(bucket)
        ordered = sorted(times)
        return {
            "granularity": granularity,
            "times": [t.isoformat() for t in ordered],
            "series": {category: [grid[category].get(t, 0) for t in ordered]
                       for category in ACCOUNT_CATEGORIES if category in grid},
        }

    return cached(campaign, "profiles", compute, granularity)


# -- tables ------------------------------------------------------------------------
def tweet_rows(campaign: Campaign, include_state: bool) -> list[dict]:
    collected: dict[str, dict[str, int]] = defaultdict(dict)
    for row in mongo.collection(mongo.TWEET_COUNTS).find({"campaign_id": campaign.mongo_id}):
        collected[row["tweet_id"]][row["action_type"]] = row["count"]
    states: dict[str, dict] = defaultdict(dict)
    for state in mongo.collection(mongo.WORKER_STATE).find({"campaign_id": campaign.mongo_id}):
        states[state["tweet_id"]][state["job_type"]] = state
    rows = []
    for tweet in campaign.tweets.all():
        metrics = tweet.metrics or {}
        job_states = states.get(tweet.tweet_id, {})
        polled = [s["last_success"] for s in job_states.values() if s.get("last_success")]
        rows.append({
            "tweet": tweet,
            "reported": {a: int(metrics.get(SOURCE[m], 0) or 0) for a, m in
                         (("retweet", "retweets"), ("reply", "replies"), ("quote", "quotes"))},
            "collected": {a: collected[tweet.tweet_id].get(a, 0) for a in ACTIONS},
            "last_polled": max(polled) if polled else None,
            "problems": [f"{job}: {s['last_error']}" for job, s in job_states.items() if s.get("last_error")]
            if include_state else [],
            "blocked": any(s.get("blocked_until") and s["blocked_until"] > dt.datetime.now(dt.UTC)
                           for s in job_states.values()) if include_state else False,
        })
    return rows


class BadParameter(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


SORTS = {"timestamp": "timestamp", "time": "timestamp", "importance_score": "importance_score",
         "importance": "importance_score"}


def _encode_cursor(doc: dict, sort: str) -> str:
    value = doc[sort].isoformat() if sort == "timestamp" else doc[sort]
    return base64.urlsafe_b64encode(json.dumps([value, str(doc["_id"])]).encode()).decode()


def _decode_cursor(cursor: str, sort: str):
    try:
        value, object_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        value = dt.datetime.fromisoformat(value) if sort == "timestamp" else float(value)
        return value, mongo.ObjectId(object_id)
    except (ValueError, TypeError, UnicodeDecodeError, mongo.InvalidId) as exc:
        raise BadParameter("cursor", "Not a cursor this endpoint returned.") from exc


def engagements(campaign: Campaign, *, sort: str = "timestamp", limit: int = 25, cursor: str | None = None,
                category: str | None = None, action_type: str | None = None,
                tweet_category: str | None = None) -> dict:
    """Newest (or most important) first, keyset-paginated so deep pages stay cheap."""
    if sort not in SORTS:
        raise BadParameter("sort", "Use timestamp or importance_score.")
    field = SORTS[sort]
    if not 1 <= limit <= 200:
        raise BadParameter("limit", "Between 1 and 200.")
    if category and category not in ACCOUNT_CATEGORIES:
        raise BadParameter("category", f"One of: {', '.join(ACCOUNT_CATEGORIES)}.")
    if action_type and action_type not in ACTIONS:
        raise BadParameter("action_type", "One of: retweet, reply, quote.")
    if tweet_category and tweet_category not in TWEET_CATEGORIES:
        raise BadParameter("tweet_category", f"One of: {', '.join(TWEET_CATEGORIES)}.")
    query: dict = {"campaign_id": campaign.mongo_id}
    if category:
        query["account_category"] = category
    if action_type:
        query["action_type"] = action_type
    if tweet_category:
        query["tweet_category"] = tweet_category
    if cursor:
        value, object_id = _decode_cursor(cursor, field)
        query["$or"] = [{field: {"$lt": value}}, {field: value, "_id": {"$lt": object_id}}]
    docs = list(mongo.collection(mongo.ENGAGEMENTS).find(query).sort(
        [(field, mongo.DESCENDING), ("_id", mongo.DESCENDING)]).limit(limit + 1))
    more = len(docs) > limit
    docs = docs[:limit]
    return {"results": docs, "next_cursor": _encode_cursor(docs[-1], field) if more and docs else None}


def account_timeline(campaign: Campaign, user_id: str) -> list[dict]:
    return list(mongo.collection(mongo.ENGAGEMENTS).find(
        {"campaign_id": campaign.mongo_id, "user_id": user_id}).sort("timestamp", mongo.ASCENDING))


def public_engagement(doc: dict) -> dict:
    """An engagement as the JSON API and the CSV export show it."""
    profile = doc.get("account_profile") or {}
    return {
        "id": str(doc["_id"]), "tweet_id": doc["tweet_id"], "tweet_category": doc["tweet_category"],
        "user_id": doc["user_id"], "username": profile.get("username", ""), "name": profile.get("name", ""),
        "followers": profile.get("followers", 0), "verified": profile.get("verified", False),
        "account_category": doc.get("account_category"), "importance_score": doc.get("importance_score", 0),
        "action_type": doc["action_type"], "timestamp": doc["timestamp"].isoformat(), "text": doc.get("text"),
        "reply_count": doc.get("reply_count", 1), "engagement_tweet_id": doc.get("engagement_tweet_id"),
    }


def tweets_of(campaign: Campaign) -> list[TrackedTweet]:
    return list(campaign.tweets.all())
