"""A launch beside earlier launches: cumulative curves by hours since launch (docs/data-model.md, `campaign_hours`).

Each campaign's curve is read from its per-hour rows (`campaign_hours`, kept at
write time): one equality lookup per campaign, O(hours) rows each, so the
whole comparison costs O(hours × campaigns) with at most six campaigns. Hour 0
is the launch's start hour; backfilled retweets of unknown time count there.
"""

from __future__ import annotations

import datetime as dt

from campaigns.models import Campaign
from campaigns.selectors import earlier_launches
from dashboard import paging
from dashboard.selectors import cached
from ingestion.selectors import observed_now
from socap_project import mongo

SERIES = ("engagements", "unique_accounts", "important_accounts", "reach")
LABELS = {"engagements": "Engagements collected", "unique_accounts": "Unique accounts",
          "important_accounts": "Important accounts", "reach": "Potential reach"}
MAX_HOURS = 24 * 14  # a longer window is compared over its first two weeks


def _hours(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, min(MAX_HOURS, int((end - start).total_seconds() // 3600)))


def curve(campaign: Campaign, hours: int) -> dict[str, list[int]]:
    """Cumulative engagements, unique accounts, important accounts and reach at hours 0..hours after launch."""
    start = campaign.start_date.replace(minute=0, second=0, microsecond=0)
    per_hour = {name: [0] * (hours + 1) for name in SERIES}
    for row in mongo.collection(mongo.CAMPAIGN_HOURS).find({"campaign_id": campaign.mongo_id}):
        hour = row.get("hour")
        index = 0 if hour is None else int((hour.replace(tzinfo=dt.UTC) - start).total_seconds() // 3600)
        index = max(0, index)
        if index > hours:
            continue
        per_hour["engagements"][index] += row.get("engagements", 0)
        per_hour["unique_accounts"][index] += row.get("new_accounts", 0)
        per_hour["reach"][index] += row.get("reach", 0)
        per_hour["important_accounts"][index] += sum(
            count for key, count in (row.get("new_account_scores") or {}).items()
            if paging.score_of(key) >= campaign.importance_threshold)
    for values in per_hour.values():
        for index in range(1, len(values)):
            values[index] += values[index - 1]
    return per_hour


def comparison(campaign: Campaign, now: dt.datetime | None = None) -> dict | None:
    """This launch's curves to its current hour, beside its earlier launches' over the same window; None if none."""

    def compute():
        earlier = earlier_launches(campaign)
        if not earlier:
            return None
        window = _hours(campaign.start_date, campaign.end_date)
        # The readings' clock (simulated in the accelerated demo), as the engagements' hours are.
        at = min(_hours(campaign.start_date, now or observed_now()), window)
        current = {name: values[: at + 1] for name, values in curve(campaign, window).items()}
        launches = []
        for other in earlier:
            other_window = min(window, _hours(other.start_date, other.end_date))
            launches.append({"id": other.pk, "launch_name": other.launch_name,
                             "start_date": other.start_date.isoformat(), "series": curve(other, other_window)})
        previous = launches[0]
        at_hour = {name: previous["series"][name][min(at, len(previous["series"][name]) - 1)] for name in SERIES}
        return {"hours": list(range(window + 1)), "at": at, "labels": LABELS,
                "current": {"id": campaign.pk, "launch_name": campaign.launch_name, "series": current},
                "earlier": launches,
                "previous_at_hour": {"launch_name": previous["launch_name"], "hour": at, "values": at_hour}}

    if now is not None:
        return compute()
    return cached(campaign, "comparison", compute)
