"""Hand newly stored engagements to the alert rules and the dashboard rollups.

Documents are inserted with `dispatched: false` and flipped after the hand-off,
so engagements stored by a run that crashed before its hand-off are handed off
by the next run of the same job instead of being lost.
"""

from __future__ import annotations

from alerts.services import queue_alerts_for_run
from campaigns.models import Campaign
from dashboard.services import bump_version, record_engagements
from socap_project import mongo


def dispatch_pending(campaign: Campaign, tweet_id: str, action_type: str, run_batch: str) -> int:
    key = {"campaign_id": campaign.mongo_id, "tweet_id": tweet_id, "action_type": action_type}
    pending = list(mongo.collection(mongo.ENGAGEMENTS).find({**key, "dispatched": False}))
    if not pending:
        return 0
    record_engagements(campaign.mongo_id, pending)
    queue_alerts_for_run(campaign, pending, run_batch)
    mongo.collection(mongo.ENGAGEMENTS).update_many(
        {"_id": {"$in": [doc["_id"] for doc in pending]}}, {"$set": {"dispatched": True}}
    )
    bump_version(campaign.mongo_id)
    return len(pending)


def metrics_changed(campaign: Campaign) -> None:
    bump_version(campaign.mongo_id)
