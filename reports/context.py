"""What the report page and its printed PDF show: the report plus its figures, formatted."""

from __future__ import annotations

from campaigns.models import Campaign
from reports.selectors import report_for
from socap_project.vocabulary import ACCOUNT_CATEGORY_LABELS


def _fmt(number) -> str:
    return f"{number:,}"


def _chart_data(report: dict, show_comparison: bool) -> dict:
    hourly_rows = report["engagements"]["hourly_by_account_category"]
    # None is the "before monitoring" bucket of backfilled retweets; it comes first.
    hours = sorted({row["hour"] for row in hourly_rows}, key=lambda hour: (hour is not None, hour or 0))
    categories = sorted({row["category"] or "others" for row in hourly_rows})
    grid = {category: [0] * len(hours) for category in categories}
    position = {hour: index for index, hour in enumerate(hours)}
    for row in hourly_rows:
        grid[row["category"] or "others"][position[row["hour"]]] += row["count"]
    return {
        "snapshots": [
            {"time": s["snapshot_time"].strftime("%b %d %H:%M"), "likes": s.get("total_likes", 0),
             "retweets": s.get("total_retweets", 0), "quotes": s.get("total_quotes", 0),
             "replies": s.get("total_replies", 0)}
            for s in report.get("metric_snapshots", [])
        ],
        "accounts": report["engagements"]["unique_accounts_by_category"],
        "hours": [hour.strftime("%b %d %H:00") if hour else "Before monitoring" for hour in hours],
        "hourly": grid,
        "category_labels": ACCOUNT_CATEGORY_LABELS,
        # Reports frozen before reach and sentiment existed have no "over_time".
        "over_time": report.get("over_time"),
        "comparison": report.get("comparison") if show_comparison else None,
    }


def shows_comparison_to(campaign: Campaign, *, staff: bool) -> bool:
    """Staff always see the comparison with earlier launches; the client only when staff chose so."""
    return staff or campaign.show_comparison_to_client


def report_context(campaign: Campaign, links: dict | None = None, *, staff: bool = False,
                   fresh: bool = False) -> dict:
    report, frozen = report_for(campaign, fresh=fresh)
    totals = report["metrics"]["totals"]
    engagement = report["engagements"]
    show_comparison = bool(report.get("comparison")) and shows_comparison_to(campaign, staff=staff)
    earlier = report["comparison"]["previous_at_hour"] if show_comparison else None

    def then(series: str) -> str:
        return f"at this hour (h {earlier['hour']}), {earlier['launch_name']} had {_fmt(earlier['values'][series])}" \
            if earlier else ""

    kpis = [
        ("Impressions", _fmt(totals["views"]), ""), ("Likes", _fmt(totals["likes"]), ""),
        ("Retweets", _fmt(totals["retweets"]), ""), ("Quotes", _fmt(totals["quotes"]), ""),
        ("Replies", _fmt(totals["replies"]), ""), ("Bookmarks", _fmt(totals["bookmarks"]), ""),
        ("Engagements collected", _fmt(engagement["total"]), then("engagements")),
        ("Unique accounts", _fmt(engagement["unique_accounts"]), then("unique_accounts")),
    ]
    if report.get("reach"):
        kpis += [("Potential reach", _fmt(report["reach"]["reach"]), then("reach")),
                 ("Potential impressions", _fmt(report["reach"]["impressions"]), "")]
    per_tweet = {row["tweet_id"]: row for row in (report.get("reach") or {}).get("by_tweet", [])}
    tweets = [{**tweet, "reach": per_tweet.get(tweet["tweet_id"])} for tweet in report["tweets"]]
    return {"campaign": campaign, "report": report, "frozen": frozen, "kpis": kpis, "links": links,
            "chart_data": _chart_data(report, show_comparison), "tweets": tweets,
            "comparison": report["comparison"] if show_comparison else None,
            "comparison_hidden_from_client": show_comparison and not campaign.show_comparison_to_client}
