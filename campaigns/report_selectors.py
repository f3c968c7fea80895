"""The report a page or endpoint shows: the frozen one, or a live preview before completion."""

from __future__ import annotations

from django.core.cache import cache

from campaigns.models import Campaign
from campaigns.report import build_report, frozen_report

PREVIEW_SECONDS = 60


def report_for(campaign: Campaign) -> tuple[dict, bool]:
    """(report, frozen). A preview is recomputed at most once a minute per campaign."""
    frozen = frozen_report(campaign)
    if frozen is not None:
        return frozen, True
    key = f"report-preview:{campaign.pk}"
    preview = cache.get(key)
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
             *(t["metrics"][m] for m in ("likes", "retweets", "quotes", "replies", "views", "bookmarks")),
             *(t.get("collected", {}).get(a, 0) for a in ("retweet", "reply", "quote"))]
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
    else:
        raise KeyError(table)
    return header, rows


CSV_TABLES = ("tweets", "top_accounts", "hourly")
