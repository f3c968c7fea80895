"""Hand newly stored engagements to the dashboard rollups (and, when late, to the alert rules).

Alerts are planned per poll cycle from the cycle's window of sequence numbers
(alerts/planning.py); a page only queues what falls in a window already planned.

Documents are inserted with `dispatched: false` and flipped after the hand-off,
so engagements stored by a run that crashed before its hand-off are handed off
by the next run of the same job instead of being lost. The normal path hands
over the documents a page just inserted, as built in memory: no re-read.
"""

from __future__ import annotations

from alerts.services import queue_late_alerts
from campaigns.models import Campaign
from dashboard.services import bump_version, record_engagements
from socap_project import mongo


def hand_off(campaign: Campaign, docs: list[dict], run_batch: str) -> int:
    if not docs:
        return 0
    record_engagements(campaign.mongo_id, docs)
    queue_late_alerts(campaign, docs, run_batch)
    mongo.collection(mongo.ENGAGEMENTS).update_many(
        {"_id": {"$in": [doc["_id"] for doc in docs]}}, {"$set": {"dispatched": True}}
    )
    bump_version(campaign.mongo_id)
    return len(docs)


def dispatch_pending(campaign: Campaign, tweet_id: str, action_type: str, run_batch: str) -> int:
    """Hand off what a crashed run stored but did not hand off (an equality lookup on an index)."""
    pending = list(mongo.collection(mongo.ENGAGEMENTS).find(
        {"campaign_id": campaign.mongo_id, "dispatched": False, "tweet_id": tweet_id, "action_type": action_type}))
    return hand_off(campaign, pending, run_batch)


def metrics_changed(campaign: Campaign) -> None:
    bump_version(campaign.mongo_id)
