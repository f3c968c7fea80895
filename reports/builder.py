"""The final report: computed once, exactly, from the stored events, then frozen in MongoDB."""

from __future__ import annotations

import contextlib

from django.utils import timezone

from campaigns.models import Campaign
from dashboard import comparison_selectors, insight_selectors
from dashboard import selectors as dashboard_selectors
from ingestion import selectors as ingestion_selectors
from socap_project import mongo
from socap_project.vocabulary import ACTIONS, METRICS
from xapi.account.credits import CREDITS_PER_USD

TOP_ACCOUNTS = 25


def _metrics(campaign: Campaign) -> tuple[dict, dict, list]:
    totals = dict.fromkeys(METRICS, 0)
    by_category: dict[str, dict] = {}
    tweets = []
    for tweet in campaign.tweets.all():
        values = {name: int((tweet.metrics or {}).get(name, 0) or 0) for name in METRICS}
        bucket = by_category.setdefault(tweet.category, dict.fromkeys(METRICS, 0))
        for name, value in values.items():
            totals[name] += value
            bucket[name] += value
        tweets.append({"tweet_id": tweet.tweet_id, "url": tweet.url, "category": tweet.category,
                       "author_username": tweet.author_username, "metrics": values})
    return totals, by_category, tweets


def _engagements(campaign: Campaign) -> dict:
    """Totals from the write-time rollups and counters: O(hour buckets + tweets), whatever the volume."""
    stats = dashboard_selectors.campaign_stats(campaign)
    hourly: dict[tuple, int] = {}
    for row in dashboard_selectors.hourly_rollups(campaign):
        for category, count in (row.get("by_account_category") or {}).items():
            hourly[(row["hour"], category)] = count
    collected = dashboard_selectors.collected_per_tweet(campaign)

    def counts(name):
        return {key: value for key, value in (stats.get(name) or {}).items() if value}

    # Backfilled retweets with no known time (hour None) come first: "before monitoring".
    ordered = sorted(hourly.items(), key=lambda item: (item[0][0] is not None, item[0][0] or 0, item[0][1]))
    return {
        "total": stats.get("engagements", 0),
        "unique_accounts": stats.get("accounts", 0),
        "by_action": counts("by_action"),
        "by_tweet_category": counts("by_tweet_category"),
        "by_account_category": counts("by_account_category"),
        "unique_accounts_by_category": counts("accounts_by_category"),
        "collected_per_tweet": collected,
        "hourly_by_account_category": [
            {"hour": hour, "category": category, "count": count} for (hour, category), count in ordered
        ],
    }


def _top_accounts(campaign: Campaign) -> list[dict]:
    """The most important accounts (ties: latest first), read as closed windows of the account rows."""
    rows = insight_selectors.account_rows(campaign, "max_importance", "account_hist", TOP_ACCOUNTS)
    actions: dict[str, list] = {row["user_id"]: [] for row in rows}
    for doc in ingestion_selectors.actions_of(campaign.mongo_id, list(actions)):
        actions[doc["user_id"]].append(
            {"tweet_category": doc["tweet_category"], "action_type": doc["action_type"], "at": doc["timestamp"]})
    return [
        {"user_id": row["user_id"], "username": (row.get("account_profile") or {}).get("username", ""),
         "name": (row.get("account_profile") or {}).get("name", ""),
         "followers": (row.get("account_profile") or {}).get("followers", 0), "category": row.get("account_category"),
         "importance": row.get("max_importance") or 0,
         "actions": sorted(actions[row["user_id"]], key=lambda action: action["at"])}
        for row in rows
    ]


def _api_usage(campaign_id: str) -> dict:
    usage = ingestion_selectors.api_usage(campaign_id)
    return {**usage, "usd": round(usage["credits"] / CREDITS_PER_USD, 4)}


def earned_media(campaign: Campaign, totals: dict, by_action: dict) -> dict:
    """Impressions x CPM / 1000, and (optionally) a value per retweet/reply/quote."""
    cpm = campaign.effective_cpm()
    impressions = totals["views"]
    values = {action: float(campaign.action_values.get(action, 0) or 0) for action in ACTIONS}
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
    engagement = _engagements(campaign)
    for tweet in tweets:
        tweet["collected"] = engagement["collected_per_tweet"].get(tweet["tweet_id"], {})
    snapshots = ingestion_selectors.metric_snapshots(campaign.mongo_id)
    return {
        "campaign_id": campaign.mongo_id,
        "generated_at": timezone.now(),
        "launch_name": campaign.launch_name,
        "client_name": campaign.client_name,
        "window": {"start_date": campaign.start_date, "end_date": campaign.end_date},
        "metrics": {"totals": totals, "by_tweet_category": by_category},
        "engagements": {k: v for k, v in engagement.items() if k != "collected_per_tweet"},
        "top_accounts": _top_accounts(campaign),
        "metric_snapshots": snapshots,
        "tweets": tweets,
        "earned_media": earned_media(campaign, totals, engagement["by_action"]),
        # Reach, rankings and sentiment: the dashboard's write-time figures, frozen with the rest.
        "reach": insight_selectors.reach(campaign),
        "over_time": insight_selectors.over_time(campaign, "hour"),
        "rankings": insight_selectors.all_rankings(campaign),
        "ranking_definitions": insight_selectors.RANKING_DEFINITIONS,
        "api_usage": _api_usage(campaign.mongo_id),
        # Earlier launches of the client beside this one, frozen as they were (None when there are none).
        "comparison": comparison_selectors.comparison(campaign),
    }


def freeze_report(campaign: Campaign) -> dict:
    """Store the report once; a second call returns the frozen one unchanged."""
    reports = mongo.collection(mongo.FINAL_REPORTS)
    existing = reports.find_one({"campaign_id": campaign.mongo_id}, {"_id": 0})
    if existing is not None:
        return existing
    report = build_report(campaign)
    with contextlib.suppress(mongo.DuplicateKeyError):  # a concurrent finalizer stored it first; return theirs
        reports.insert_one(dict(report))
    return reports.find_one({"campaign_id": campaign.mongo_id}, {"_id": 0})


def frozen_report(campaign: Campaign) -> dict | None:
    return mongo.collection(mongo.FINAL_REPORTS).find_one({"campaign_id": campaign.mongo_id}, {"_id": 0})


def forget_campaign(campaign_id: str) -> dict[str, int]:
    return mongo.delete_campaign_documents(campaign_id, (mongo.FINAL_REPORTS,))
