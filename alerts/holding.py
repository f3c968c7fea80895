"""Slack alerts held while a campaign asks for Slack but has no webhook yet.

The sender delivers every other channel at once and leaves the Slack part of the
queue item in `waiting_channels`. Once a webhook is set, the held items go back to
the queue for Slack only, spread over the campaign's alert spacing like a run; an
item too old to be news is marked skipped for Slack, with the reason, instead.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from alerts import rules
from campaigns.models import Campaign
from socap_project import mongo

MAX_AGE = dt.timedelta(hours=24)
TOO_OLD = "Slack had no webhook while this alert was due, and it was more than 24 h old when one was set"


def held_filter(campaign: Campaign) -> dict:
    return {"campaign_id": campaign.mongo_id, "waiting_channels": "slack"}


def held_counts(campaign: Campaign) -> dict[str, int]:
    """Staff pages: how many alerts wait for Slack, and how many were skipped for being too old."""
    queue = mongo.collection(mongo.ALERT_QUEUE)
    return {"held": queue.count_documents(held_filter(campaign)),
            "skipped": queue.count_documents({"campaign_id": campaign.mongo_id, "slack_skip_reason": TOO_OLD})}


def release_held_slack(campaign: Campaign, item_ids: list | None = None, now: dt.datetime | None = None) -> dict:
    """Requeue the held Slack alerts of a campaign that now has a webhook; returns the counts."""
    if campaign.slack_waiting:
        return {"released": 0, "skipped": 0}
    now = now or timezone.now()
    queue = mongo.collection(mongo.ALERT_QUEUE)
    query = held_filter(campaign)
    if item_ids is not None:
        query["_id"] = {"$in": list(item_ids)}
    stale = {**query, "created_at": {"$lt": now - MAX_AGE}}
    # An item that only waited for Slack is now done; one sent by email keeps its "sent".
    queue.update_many({**stale, "status": "waiting"}, {"$set": {"status": "skipped", "skip_reason": TOO_OLD}})
    skipped = queue.update_many(stale, {"$pull": {"waiting_channels": "slack"},
                                        "$set": {"slack_skip_reason": TOO_OLD}}).modified_count
    # Nothing is held for these any more: they expire with the other finished items.
    queue.update_many({**query, "created_at": {"$lt": now - MAX_AGE}, "status": {"$in": ["sent", "skipped"]},
                       "waiting_channels": {"$size": 0}, "done_at": None}, {"$set": {"done_at": now}})
    fresh = list(queue.find({**query, "created_at": {"$gte": now - MAX_AGE}}, {"_id": 1}).sort(
        [("importance_score", mongo.DESCENDING), ("created_at", mongo.ASCENDING)]))
    times = rules.spread(len(fresh), now, campaign.alert_spacing_minutes)
    released = 0
    for item, send_at in zip(fresh, times, strict=True):
        released += queue.update_one(
            {"_id": item["_id"], "waiting_channels": "slack"},
            {"$set": {"status": "pending", "only_channels": ["slack"], "scheduled_send_time": send_at,
                      "claimed_by": None, "claim_until": None, "skip_reason": None},
             "$pull": {"waiting_channels": "slack"}},
        ).modified_count
    return {"released": released, "skipped": skipped}
