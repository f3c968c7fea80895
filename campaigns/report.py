"""The final report: computed once, exactly, from the stored events, then frozen in MongoDB."""

from __future__ import annotations

from django.utils import timezone

from campaigns.models import Campaign
from socap_project import mongo

METRICS = ("likes", "retweets", "quotes", "replies", "views", "bookmarks")
SOURCE = {"likes": "likeCount", "retweets": "retweetCount", "quotes": "quoteCount", "replies": "replyCount",
          "views": "viewCount", "bookmarks": "bookmarkCount"}
TOP_ACCOUNTS = 25
CREDITS_PER_USD = 100_000


def _metrics(campaign: Campaign) -> tuple[dict, dict, list]:
    totals = dict.fromkeys(METRICS, 0)
    by_category: dict[str, dict] = {}
    tweets = []
    for tweet in campaign.tweets.all():
        values = {name: int((tweet.metrics or {}).get(SOURCE[name], 0) or 0) for name in METRICS}
        bucket = by_category.setdefault(tweet.category, dict.fromkeys(METRICS, 0))
        for name, value in values.items():
            totals[name] += value
            bucket[name] += value
        tweets.append({"tweet_id": tweet.tweet_id, "url": tweet.url, "category": tweet.category,
                       "author_username": tweet.author_username, "metrics": values})
    return totals, by_category, tweets


def _engagements(campaign_id: str) -> dict:
    match = {"$match": {"campaign_id": campaign_id}}
    facets = mongo.collection(mongo.ENGAGEMENTS).aggregate([
        match,
        {"$facet": {
            "by_action": [{"$group": {"_id": "$action_type", "n": {"$sum": 1}}}],
            "by_tweet_category": [{"$group": {"_id": "$tweet_category", "n": {"$sum": 1}}}],
            "by_account_category": [{"$group": {"_id": "$account_category", "n": {"$sum": 1}}}],
            "by_tweet_and_action": [{"$group": {"_id": {"t": "$tweet_id", "a": "$action_type"}, "n": {"$sum": 1}}}],
            "accounts": [
                {"$group": {"_id": "$user_id", "category": {"$first": "$account_category"}}},
                {"$group": {"_id": "$category", "n": {"$sum": 1}}},
            ],
            "hourly": [
                {"$group": {"_id": {"hour": "$hour", "category": "$account_category"}, "n": {"$sum": 1}}},
                {"$sort": {"_id.hour": 1}},
            ],
        }},
    ])
    facet = next(iter(facets), {})

    def counts(rows):
        return {row["_id"]: row["n"] for row in rows if row["_id"] is not None}

    unique_by_category = counts(facet.get("accounts", []))
    collected: dict[str, dict] = {}
    for row in facet.get("by_tweet_and_action", []):
        collected.setdefault(row["_id"]["t"], {})[row["_id"]["a"]] = row["n"]
    return {
        "total": sum(counts(facet.get("by_action", [])).values()),
        "unique_accounts": sum(unique_by_category.values()),
        "by_action": counts(facet.get("by_action", [])),
        "by_tweet_category": counts(facet.get("by_tweet_category", [])),
        "by_account_category": counts(facet.get("by_account_category", [])),
        "unique_accounts_by_category": unique_by_category,
        "collected_per_tweet": collected,
        "hourly_by_account_category": [
            {"hour": row["_id"]["hour"], "category": row["_id"]["category"], "count": row["n"]}
            for row in facet.get("hourly", [])
        ],
    }


def _top_accounts(campaign_id: str) -> list[dict]:
    rows = mongo.collection(mongo.ENGAGEMENTS).aggregate([
        {"$match": {"campaign_id": campaign_id}},
        {"$sort": {"timestamp": 1}},
        {"$group": {
            "_id": "$user_id",
            "importance": {"$max": "$importance_score"},
            "profile": {"$first": "$account_profile"},
            "category": {"$first": "$account_category"},
            "actions": {"$push": {"tweet_category": "$tweet_category", "action_type": "$action_type",
                                  "at": "$timestamp"}},
        }},
        {"$sort": {"importance": -1, "_id": 1}},
        {"$limit": TOP_ACCOUNTS},
    ])
    return [
        {"user_id": row["_id"], "username": (row.get("profile") or {}).get("username", ""),
         "name": (row.get("profile") or {}).get("name", ""),
         "followers": (row.get("profile") or {}).get("followers", 0), "category": row.get("category"),
         "importance": row.get("importance") or 0, "actions": row["actions"]}
        for row in rows
    ]


def _api_usage(campaign_id: str) -> dict:
    rows = list(mongo.collection(mongo.API_USAGE).aggregate([
        {"$match": {"campaign_id": campaign_id}},
        {"$group": {"_id": None, "requests": {"$sum": 1}, "credits": {"$sum": "$credits"}}},
    ]))
    requests = rows[0]["requests"] if rows else 0
    credits = rows[0]["credits"] if rows else 0
    return {"requests": requests, "credits": credits, "usd": round(credits / CREDITS_PER_USD, 4)}


def earned_media(campaign: Campaign, totals: dict, by_action: dict) -> dict:
    """Impressions x CPM / 1000, and (optionally) a value per retweet/reply/quote."""
    cpm = campaign.effective_cpm()
    impressions = totals["views"]
    values = {action: float(campaign.action_values.get(action, 0) or 0) for action in ("retweet", "reply", "quote")}
    counts = {action: int(by_action.get(action, 0)) for action in values}
    return {
        "impressions": impressions,
        "cpm_usd": cpm,
        "value_usd": round(impressions * cpm / 1000, 2),
        "formula": f"{impressions:,} impressions × ${cpm:,.2f} CPM / 1,000",
        "engagement_values_usd": values,
        "engagement_counts": counts,
        "engagement_value_usd": round(sum(values[a] * counts[a] for a in values), 2),
        "engagement_formula": " + ".join(f"{counts[a]:,} {a}s × ${values[a]:,.2f}" for a in values),
    }


def build_report(campaign: Campaign) -> dict:
    totals, by_category, tweets = _metrics(campaign)
    engagement = _engagements(campaign.mongo_id)
    for tweet in tweets:
        tweet["collected"] = engagement["collected_per_tweet"].get(tweet["tweet_id"], {})
    snapshots = list(mongo.collection(mongo.METRIC_SNAPSHOTS).find(
        {"campaign_id": campaign.mongo_id}, {"_id": 0, "campaign_id": 0}).sort("snapshot_time", mongo.ASCENDING))
    return {
        "campaign_id": campaign.mongo_id,
        "generated_at": timezone.now(),
        "launch_name": campaign.launch_name,
        "client_name": campaign.client_name,
        "window": {"start_date": campaign.start_date, "end_date": campaign.end_date},
        "metrics": {"totals": totals, "by_tweet_category": by_category},
        "engagements": {k: v for k, v in engagement.items() if k != "collected_per_tweet"},
        "top_accounts": _top_accounts(campaign.mongo_id),
        "metric_snapshots": snapshots,
        "tweets": tweets,
        "earned_media": earned_media(campaign, totals, engagement["by_action"]),
        "api_usage": _api_usage(campaign.mongo_id),
    }


def freeze_report(campaign: Campaign) -> dict:
    """Store the report once; a second call returns the frozen one unchanged."""
    reports = mongo.collection(mongo.FINAL_REPORTS)
    existing = reports.find_one({"campaign_id": campaign.mongo_id}, {"_id": 0})
    if existing is not None:
        return existing
    report = build_report(campaign)
    try:
        reports.insert_one(dict(report))
    except mongo.DuplicateKeyError:
        pass  # a concurrent finalizer stored it first; return theirs
    return reports.find_one({"campaign_id": campaign.mongo_id}, {"_id": 0})


def frozen_report(campaign: Campaign) -> dict | None:
    return mongo.collection(mongo.FINAL_REPORTS).find_one({"campaign_id": campaign.mongo_id}, {"_id": 0})
