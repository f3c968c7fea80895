"""Reads of reach, impressions, rankings and the sentiment mix: a point read, O(hours) or O(25) each.

The numbers are kept at write time by dashboard/insight_services.py; nothing
here reads the engagements collection.
"""

from __future__ import annotations

from collections import defaultdict

from campaigns.models import Campaign
from dashboard import paging
from dashboard.selectors import BEFORE_MONITORING, BadParameter, _bucket_start, cached, campaign_stats
from ingestion import selectors as ingestion_selectors
from ingestion.contract import SENTIMENTS
from ingestion.selectors import last_seq
from socap_project import mongo
from socap_project.vocabulary import TWEET_CATEGORIES

TOP = 25
RANKINGS = ("important", "reach", "engaged", "first_movers", "texts")
RANKING_DEFINITIONS = {
    "important": "Highest importance score (Σ weights of the important people who follow the account)",
    "reach": "Most followers (as seen at the account's first engagement)",
    "engaged": "Touched the most of the campaign's tweets (distinct tweets, any action)",
    "first_movers": "Earliest engagers of the main tweets (retweets found by the first poll have no known time "
                    "and are left out)",
    "texts": "Replies and quotes from the most important accounts (then most followers), one per account",
}
REACH_FORMULA = "Σ followers of each unique account that engaged (counted once)"
IMPRESSIONS_FORMULA = "Σ over engagements of the engager's followers (an account engaging 3 times counts 3 times)"
SENTIMENT_NOTE = ("VADER lexicon score of the reply or quote text (−1 … +1; ≥ 0.05 positive, "
                  "≤ −0.05 negative): word lists, not a reader — sarcasm and slang are often misread.")


def reach(campaign: Campaign) -> dict:
    """Potential reach and impressions per campaign, tweet category and tweet (one point read)."""

    def compute():
        stats = campaign_stats(campaign)
        reach_cat, impressions_cat = stats.get("reach_by_tweet_category") or {}, \
            stats.get("impressions_by_tweet_category") or {}
        reach_tweet, impressions_tweet = stats.get("reach_by_tweet") or {}, stats.get("impressions_by_tweet") or {}
        return {
            "reach": stats.get("reach", 0), "impressions": stats.get("impressions", 0),
            "unique_accounts": stats.get("accounts", 0), "engagements": stats.get("engagements", 0),
            "reach_formula": REACH_FORMULA, "impressions_formula": IMPRESSIONS_FORMULA,
            "by_tweet_category": {category: {"reach": reach_cat.get(category, 0),
                                             "impressions": impressions_cat.get(category, 0)}
                                  for category in TWEET_CATEGORIES},
            "by_tweet": [{"tweet_id": tweet.tweet_id, "category": tweet.category,
                          "author_username": tweet.author_username, "url": tweet.url,
                          "reach": reach_tweet.get(tweet.tweet_id, 0),
                          "impressions": impressions_tweet.get(tweet.tweet_id, 0)}
                         for tweet in campaign.tweets.all()],
        }

    return cached(campaign, "reach", compute)


def over_time(campaign: Campaign, granularity: str) -> dict:
    """Per hour (or day): new reach, impressions and the sentiment mix, with cumulative reach and impressions."""

    def compute():
        grid: dict[str, dict] = defaultdict(lambda: defaultdict(int))
        for row in mongo.collection(mongo.CAMPAIGN_HOURS).find({"campaign_id": campaign.mongo_id}):
            hour = row["hour"]
            bucket = BEFORE_MONITORING if hour is None else _bucket_start(hour, granularity).isoformat()
            cell = grid[bucket]
            for name in ("reach", "impressions", "engagements"):
                cell[name] += row.get(name, 0)
            for label, count in (row.get("sentiment") or {}).items():
                cell[label] += count
        times = sorted(grid, key=lambda t: (t != BEFORE_MONITORING, t))
        series = {name: [grid[t][name] for t in times] for name in ("reach", "impressions", *SENTIMENTS)}
        for name in ("reach", "impressions"):
            total, cumulative = 0, []
            for value in series[name]:
                total += value
                cumulative.append(total)
            series[f"cumulative_{name}"] = cumulative
        return {"granularity": granularity, "times": times, "series": series,
                "sentiment_totals": {label: sum(series[label]) for label in SENTIMENTS},
                "sentiment_note": SENTIMENT_NOTE}

    return cached(campaign, "over-time", compute, granularity)


def _account_row(row: dict) -> dict:
    profile = row.get("account_profile") or {}
    return {"user_id": row["user_id"], "username": profile.get("username", ""), "name": profile.get("name", ""),
            "followers": profile.get("followers", 0), "account_category": row.get("account_category") or "others",
            "importance": row.get("max_importance") or 0, "distinct_tweets": row.get("distinct_tweets") or 0,
            "engagements": row.get("engagements") or 0}


def account_rows(campaign: Campaign, score_field: str, histogram: str, limit: int,
                 above: float | None = None) -> list[dict]:
    """Top account rows by a score kept in a histogram: closed windows, never a sort over the campaign;
    with `above`, only rows scoring above it."""
    stats = campaign_stats(campaign)
    top_seq = last_seq(campaign.mongo_id)
    accounts = mongo.collection(mongo.CAMPAIGN_ACCOUNTS)

    def find(window: dict) -> list[dict]:
        return list(accounts.find({"campaign_id": campaign.mongo_id, **window}))

    return paging.by_score(find, histogram=stats.get(histogram) or {}, need=limit, top_seq=top_seq,
                           score_field=score_field, seq_field="first_seq",
                           density=stats.get("accounts", 0) / max(top_seq, 1), above=above)


def _accounts_by(campaign: Campaign, score_field: str, histogram: str, limit: int) -> list[dict]:
    # Most accounts of a launch score 0 and the tables leave them out: never read that crowd.
    return [_account_row(row) for row in account_rows(campaign, score_field, histogram, limit, above=0)]


def _with_followed_by(rows: list[dict]) -> list[dict]:
    """Name the important people behind each score: one `$in` lookup of at most 25 accounts."""
    found = ingestion_selectors.top_followers_of([row["user_id"] for row in rows])
    return [{**row, "followed_by": found.get(row["user_id"], [])} for row in rows]


def _tweets_of(campaign: Campaign, user_ids: list[str]) -> dict[str, set[str]]:
    """The tweets each account engaged: one `$in` lookup of their engagements on (campaign_id, user_id)."""
    found: dict[str, set[str]] = {user_id: set() for user_id in user_ids}
    for doc in ingestion_selectors.actions_of(campaign.mongo_id, user_ids):
        found.setdefault(doc["user_id"], set()).add(doc["tweet_id"])
    return found


def _tweet_labels(campaign: Campaign, tweet_ids: set[str]) -> dict[str, dict]:
    """Labels of the tweets named (those the listed accounts engaged), not of every tracked tweet:
    four columns of those rows, no model objects (their metrics were most of the time)."""
    fields = ("tweet_id", "category", "author_username", "url")
    return {row["tweet_id"]: row for row in campaign.tweets.filter(tweet_id__in=tweet_ids).values(*fields)}


def ranking(campaign: Campaign, name: str, limit: int = TOP) -> list[dict]:
    """One top-N table, one entry per account."""
    if name not in RANKINGS:
        raise BadParameter("ranking", f"One of: {', '.join(RANKINGS)}.")
    if not 1 <= limit <= TOP:
        raise BadParameter("limit", f"Between 1 and {TOP}.")

    def compute():
        if name == "important":
            return _with_followed_by(_accounts_by(campaign, "max_importance", "account_hist", TOP))
        if name == "engaged":
            rows = _accounts_by(campaign, "distinct_tweets", "engaged_hist", TOP)
            tweets = _tweets_of(campaign, [row["user_id"] for row in rows])
            labels = _tweet_labels(campaign, set().union(*tweets.values()))
            return [{**row, "tweets": [labels.get(t, {"tweet_id": t}) for t in sorted(tweets[row["user_id"]])]}
                    for row in rows]
        lists = mongo.collection(mongo.RANKINGS).find_one({"_id": campaign.mongo_id}) or {}
        field = {"reach": "widest_reach", "first_movers": "first_movers", "texts": "top_texts"}[name]
        return lists.get(field) or []

    return cached(campaign, f"ranking-{name}", compute)[:limit]


def all_rankings(campaign: Campaign, limit: int = TOP) -> dict[str, list[dict]]:
    return {name: ranking(campaign, name, limit) for name in RANKINGS}



def followed_by(timeline: list[dict]) -> list[dict]:
    """Why the account is important, from its latest engagement (or the index, for older documents)."""
    latest = max(timeline, key=lambda doc: doc.get("last_seen_at") or doc["timestamp"])
    if "followed_by" in latest:
        return latest["followed_by"]
    return ingestion_selectors.followed_by(latest["user_id"])
