"""Dashboard reads: O(buckets) from the rollups, cached per campaign version for a minute."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from collections import defaultdict

from django.core.cache import cache
from django.utils.dateparse import parse_datetime

from campaigns.models import Campaign
from dashboard import paging
from dashboard.services import current_version
from ingestion import selectors as ingestion_selectors
from ingestion.contract import SENTIMENTS
from ingestion.selectors import last_seq, reply_count
from socap_project import mongo
from socap_project.vocabulary import ACCOUNT_CATEGORIES, ACTION_PLURALS, ACTIONS, METRICS, TWEET_CATEGORIES

CACHE_SECONDS = 60
BEFORE_MONITORING = "before_monitoring"  # time bucket of backfilled retweets (their real time is unknown)


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
def campaign_stats(campaign: Campaign) -> dict:
    """The campaign's write-time counters (one point lookup)."""
    return mongo.collection(mongo.CAMPAIGN_STATS).find_one({"_id": campaign.mongo_id}) or {}


def hourly_rollups(campaign: Campaign) -> list[dict]:
    """The campaign's engagement rollups, one row per hour (and one for the hour-less backfill)."""
    return list(mongo.collection(mongo.ENGAGEMENT_ROLLUPS).find({"campaign_id": campaign.mongo_id}))


def collected_per_tweet(campaign: Campaign) -> dict[str, dict[str, int]]:
    """Engagements collected per tweet and action, from the counts kept at write time."""
    collected: dict[str, dict[str, int]] = {}
    for row in mongo.collection(mongo.TWEET_COUNTS).find({"campaign_id": campaign.mongo_id}):
        collected.setdefault(row["tweet_id"], {})[row["action_type"]] = row["count"]
    return collected


def important_accounts(stats: dict, threshold: float) -> int:
    """Accounts whose best importance reaches the threshold, from the score histogram."""
    return sum(count for key, count in (stats.get("account_hist") or {}).items()
               if paging.score_of(key) >= threshold)


def summary(campaign: Campaign) -> dict:
    def compute():
        totals = dict.fromkeys(METRICS, 0)
        last_update = None
        for tweet in campaign.tweets.all():
            for name in METRICS:
                totals[name] += int((tweet.metrics or {}).get(name, 0) or 0)
            updated = (tweet.metrics or {}).get("last_updated")
            if updated:
                moment = dt.datetime.fromisoformat(updated)
                last_update = max(last_update, moment) if last_update else moment
        stats = campaign_stats(campaign)
        change = dict.fromkeys(METRICS, 0)
        for deltas in (stats.get("latest_deltas") or {}).values():
            for name in METRICS:
                change[name] += int((deltas or {}).get(name, 0) or 0)
        return {
            "totals": totals,
            "change": change,
            "engagements": stats.get("engagements", 0),
            "unique_accounts": stats.get("accounts", 0),
            "important_accounts": important_accounts(stats, campaign.importance_threshold),
            "last_update": last_update,
        }

    return cached(campaign, "summary", compute)


# -- charts ------------------------------------------------------------------------
def metrics_series(campaign: Campaign, granularity: str) -> dict:
    """Cumulative metrics: the last snapshot of every hour (or day), total and per tweet category."""

    def compute():
        points: dict[dt.datetime, dict] = {}
        for snap in ingestion_selectors.metric_snapshots(campaign.mongo_id):
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
        counts = campaign_stats(campaign).get("accounts_by_category") or {}
        return {category: counts[category] for category in ACCOUNT_CATEGORIES if counts.get(category)}

    return cached(campaign, "accounts", compute)


def profile_timeseries(campaign: Campaign, granularity: str) -> dict:
    """Engagements per account category per hour (or day), from the rollups."""

    def compute():
        grid: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        times = set()
        for row in hourly_rollups(campaign):
            hour = row["hour"]
            bucket = BEFORE_MONITORING if hour is None else _bucket_start(hour, granularity).isoformat()
            for category, count in (row.get("by_account_category") or {}).items():
                grid[category][bucket] += count
            times.add(bucket)
        # ISO times sort chronologically; the "before monitoring" bucket comes first.
        ordered = sorted(times, key=lambda t: (t != BEFORE_MONITORING, t))
        return {
            "granularity": granularity,
            "times": ordered,
            "series": {category: [grid[category].get(t, 0) for t in ordered]
                       for category in ACCOUNT_CATEGORIES if category in grid},
        }

    return cached(campaign, "profiles", compute, granularity)


# -- tables ------------------------------------------------------------------------
def tweet_rows(campaign: Campaign, include_state: bool) -> list[dict]:
    collected = collected_per_tweet(campaign)
    stats = campaign_stats(campaign)
    reach, impressions = stats.get("reach_by_tweet") or {}, stats.get("impressions_by_tweet") or {}
    states: dict[str, dict] = defaultdict(dict)
    for state in ingestion_selectors.worker_states(campaign.mongo_id):
        states[state["tweet_id"]][state["job_type"]] = state
    rows = []
    for tweet in campaign.tweets.all():
        metrics = tweet.metrics or {}
        job_states = states.get(tweet.tweet_id, {})
        # The last reading of its counters, stamped on the clock of everything else on the page (the
        # demo's simulated one); the job states' times are the real clock's.
        polled = parse_datetime(metrics["last_updated"]) if metrics.get("last_updated") else None
        rows.append({
            "tweet": tweet,
            "reported": {a: int(metrics.get(ACTION_PLURALS[a], 0) or 0) for a in ACTIONS},
            "collected": {a: collected.get(tweet.tweet_id, {}).get(a, 0) for a in ACTIONS},
            "reach": reach.get(tweet.tweet_id, 0), "impressions": impressions.get(tweet.tweet_id, 0),
            "last_polled": polled,
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


SORTS = {"timestamp": "seq", "time": "seq", "seq": "seq", "importance_score": "importance_score",
         "importance": "importance_score"}
FILTER_FIELDS = ("account_category", "action_type", "tweet_category", "sentiment")
COUNT_OF_FILTER = {"account_category": "by_account_category", "action_type": "by_action",
                   "tweet_category": "by_tweet_category", "sentiment": "by_sentiment"}


def _encode_cursor(doc: dict, sort: str) -> str:
    key = [doc["seq"]] if sort == "seq" else [doc["importance_score"], doc["seq"]]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _seq(value) -> int:
    # Sequence numbers are MongoDB int64s from 1: anything else was not issued by us (and a
    # bigger int would fail inside the driver as a server error).
    seq = int(value)
    if not 0 <= seq < 2**63:
        raise ValueError(seq)
    return seq


def _decode_cursor(cursor: str, sort: str) -> tuple:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if sort == "seq":
            (seq,) = key
            return (_seq(seq),)
        score, seq = key
        score = float(score)
        if not math.isfinite(score):
            raise ValueError(score)
        return score, _seq(seq)
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadParameter("cursor", "Not a cursor this endpoint returned (for this sort).") from exc


def engagements(campaign: Campaign, *, sort: str = "timestamp", limit: int = 25, cursor: str | None = None,
                category: str | None = None, action_type: str | None = None,
                tweet_category: str | None = None, sentiment: str | None = None) -> dict:
    """Newest collected (or most important) first, keyset-paginated in closed windows (dashboard/paging.py).

    "Newest" is the order SOCAP stored engagements in (the per-campaign seq),
    which follows the launch poll by poll; each row shows when it happened.
    """
    if sort not in SORTS:
        raise BadParameter("sort", "Use timestamp or importance_score.")
    order = SORTS[sort]
    if not 1 <= limit <= 200:
        raise BadParameter("limit", "Between 1 and 200.")
    if category and category not in ACCOUNT_CATEGORIES:
        raise BadParameter("category", f"One of: {', '.join(ACCOUNT_CATEGORIES)}.")
    if action_type and action_type not in ACTIONS:
        raise BadParameter("action_type", "One of: retweet, reply, quote.")
    if tweet_category and tweet_category not in TWEET_CATEGORIES:
        raise BadParameter("tweet_category", f"One of: {', '.join(TWEET_CATEGORIES)}.")
    if sentiment and sentiment not in SENTIMENTS:
        raise BadParameter("sentiment", f"One of: {', '.join(SENTIMENTS)} (replies and quotes only).")
    after = _decode_cursor(cursor, order) if cursor else None
    values = (category, action_type, tweet_category, sentiment)
    filters = {field: value for field, value in zip(FILTER_FIELDS, values, strict=True) if value}
    stats = campaign_stats(campaign)
    top = last_seq(campaign.mongo_id)
    # Matching share of the sequence numbers, assuming the filters independent.
    density = stats.get("engagements", 0) / top if top else 1.0
    shares = {field: (stats.get(COUNT_OF_FILTER[field]) or {}).get(value, 0) / max(stats.get("engagements", 0), 1)
              for field, value in filters.items()}
    for share in shares.values():
        density *= share
    # The query names one filter at most (the most selective, for seq order), so the planner
    # walks that filter's (campaign_id, filter, seq) index or the importance index; the rest
    # are checked here on what the closed window returns. (A `hint` made the embedded engine
    # scan the whole index prefix, so none is given.)
    queried = min(shares, key=shares.get) if shares and order == "seq" else None
    match = {queried: filters[queried]} if queried else {}

    def find(window: dict) -> list[dict]:
        return [doc for doc in ingestion_selectors.in_window(campaign.mongo_id, window, match)
                if all(doc.get(field) == value for field, value in filters.items())]

    need = limit + 1
    if order == "seq":
        docs = paging.by_seq(find, below=after[0] if after else top + 1, need=need, density=density)
    else:
        docs = paging.by_score(find, histogram=stats.get("importance_hist") or {}, need=need, top_seq=top,
                               after=after, density=density)
    more = len(docs) > limit
    docs = docs[:limit]
    for doc in docs:
        doc["reply_count"] = reply_count(doc)
    return {"results": docs, "next_cursor": _encode_cursor(docs[-1], order) if more and docs else None}


def all_engagements(campaign: Campaign, batch: int = 2000):
    """Every engagement in the order stored, read in closed windows of `batch` sequence numbers."""
    for low in range(1, last_seq(campaign.mongo_id) + 1, batch):
        window = ingestion_selectors.seq_range(campaign.mongo_id, low, low + batch)
        yield from sorted(window, key=lambda doc: doc["seq"])


def account_timeline(campaign: Campaign, user_id: str) -> list[dict]:
    return ingestion_selectors.account_engagements(campaign.mongo_id, user_id)


def public_engagement(doc: dict) -> dict:
    """An engagement as the JSON API and the CSV export show it."""
    profile = doc.get("account_profile") or {}
    return {
        "id": str(doc["_id"]), "tweet_id": doc["tweet_id"], "tweet_category": doc["tweet_category"],
        "user_id": doc["user_id"], "username": profile.get("username", ""), "name": profile.get("name", ""),
        "followers": profile.get("followers", 0), "verified": profile.get("verified", False),
        "account_category": doc.get("account_category"), "importance_score": doc.get("importance_score", 0),
        "action_type": doc["action_type"], "timestamp": doc["timestamp"].isoformat(),
        "time_precision": doc.get("time_precision", "exact"),
        "text": doc.get("text"),
        "reply_count": reply_count(doc), "engagement_tweet_id": doc.get("engagement_tweet_id"),
        "sentiment": doc.get("sentiment"), "sentiment_score": doc.get("sentiment_score"),
        "followed_by": doc.get("followed_by") or [],
    }
