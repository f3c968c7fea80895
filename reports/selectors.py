"""The report a page or endpoint shows: the frozen one, or a live preview before completion."""

from __future__ import annotations

from django.core.cache import cache

from campaigns.models import Campaign
from reports.builder import build_report, frozen_report
from socap_project.vocabulary import ACTIONS, METRICS

PREVIEW_SECONDS = 60


def report_for(campaign: Campaign, *, fresh: bool = False) -> tuple[dict, bool]:
    """(report, frozen). A preview is recomputed at most once a minute per campaign, or now if `fresh`
    (a PDF kept under a data version must not show data older than it)."""
    frozen = frozen_report(campaign)
    if frozen is not None:
        return frozen, True
    key = f"report-preview:{campaign.pk}"
    preview = None if fresh else cache.get(key)
    if preview is None:
        preview = build_report(campaign)
        cache.set(key, preview, PREVIEW_SECONDS)
    return preview, False


def csv_rows(report: dict, table: str) -> tuple[list[str], list[list]]:
    if table == "tweets":
        header = ["tweet_id", "category", "author", "url", "likes", "retweets", "quotes", "replies", "views",
                  "bookmarks", "collected_retweets", "collected_replies", "collected_quotes"]
        rows = [
            [t["tweet_id"], t["category"], t["author_username"], t["url"],
             *(t["metrics"][m] for m in METRICS), *(t.get("collected", {}).get(a, 0) for a in ACTIONS)]
            for t in report["tweets"]
        ]
    elif table == "top_accounts":
        header = ["user_id", "username", "name", "category", "followers", "importance", "engagements"]
        rows = [
            [a["user_id"], a["username"], a["name"], a["category"], a["followers"], a["importance"],
             "; ".join(f"{x['tweet_category']}:{x['action_type']}" for x in a["actions"])]
            for a in report["top_accounts"]
        ]
    elif table == "hourly":
        header = ["hour", "account_category", "engagements"]
        rows = [[r["hour"].isoformat() if r["hour"] else "before monitoring", r["category"], r["count"]]
                for r in report["engagements"]["hourly_by_account_category"]]
    elif table in INSIGHT_TABLES:
        header, rows = INSIGHT_TABLES[table](report)
    else:
        raise KeyError(table)
    return header, rows


def _reach_rows(report: dict) -> tuple[list[str], list[list]]:
    reach = report.get("reach") or {"by_tweet_category": {}, "by_tweet": []}
    header = ["scope", "tweet_id", "category", "author", "potential_reach", "potential_impressions"]
    rows = [["campaign", "", "", "", reach.get("reach", 0), reach.get("impressions", 0)]]
    rows += [["tweet_category", "", category, "", row["reach"], row["impressions"]]
             for category, row in reach["by_tweet_category"].items()]
    rows += [["tweet", t["tweet_id"], t["category"], t["author_username"], t["reach"], t["impressions"]]
             for t in reach["by_tweet"]]
    return header, rows


def _ranking_rows(report: dict) -> tuple[list[str], list[list]]:
    header = ["ranking", "rank", "user_id", "username", "account_category", "followers", "importance",
              "distinct_tweets", "first_engaged_at", "action_type", "text", "sentiment_score", "followed_by"]
    rows = []
    for name, entries in (report.get("rankings") or {}).items():
        for rank, a in enumerate(entries, start=1):
            rows.append([name, rank, a["user_id"], a["username"], a["account_category"], a["followers"],
                         a["importance"], a.get("distinct_tweets", ""),
                         a["at"].isoformat() if a.get("at") else "", a.get("action_type", ""), a.get("text", ""),
                         a.get("sentiment_score", ""),
                         "; ".join(f"@{f['username']} ({f['weight']:g})" for f in a.get("followed_by", []))])
    return header, rows


def _sentiment_rows(report: dict) -> tuple[list[str], list[list]]:
    over = report.get("over_time") or {"times": [], "series": {}}
    header = ["hour", "positive", "neutral", "negative", "potential_reach", "potential_impressions"]
    names = ("positive", "neutral", "negative", "reach", "impressions")
    return header, [[time, *(over["series"].get(name, [0] * len(over["times"]))[index] for name in names)]
                    for index, time in enumerate(over["times"])]


INSIGHT_TABLES = {"reach": _reach_rows, "rankings": _ranking_rows, "sentiment": _sentiment_rows}
CSV_TABLES = ("tweets", "top_accounts", "hourly", *INSIGHT_TABLES)
