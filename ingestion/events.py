"""Hand newly stored engagements to whoever reads them (dashboard rollups, late alerts).

Alerts are planned per poll cycle from the cycle's window of sequence numbers
(alerts/planning.py); a page only queues what falls in a window already planned.

Documents are inserted with `dispatched: false` and flipped after the hand-off,
so engagements stored by a run that crashed before its hand-off are handed off
by the next run of the same job instead of being lost. The normal path hands
over the documents a page just inserted, as built in memory: no re-read.
"""

from __future__ import annotations

from campaigns.models import Campaign
from ingestion import signals
from socap_project import mongo


def hand_off(campaign: Campaign, docs: list[dict], run_batch: str) -> int:
    if not docs:
        return 0
    signals.engagements_stored.send(sender=Campaign, campaign=campaign, docs=docs, run_batch=run_batch)
    mongo.collection(mongo.ENGAGEMENTS).update_many(
        {"_id": {"$in": [doc["_id"] for doc in docs]}}, {"$set": {"dispatched": True}}
    )
    return len(docs)


def dispatch_pending(campaign: Campaign, tweet_id: str, action_type: str, run_batch: str) -> int:
    """Hand off what a crashed run stored but did not hand off (an equality lookup on an index)."""
    pending = list(mongo.collection(mongo.ENGAGEMENTS).find(
        {"campaign_id": campaign.mongo_id, "dispatched": False, "tweet_id": tweet_id, "action_type": action_type}))
    return hand_off(campaign, pending, run_batch)


def metrics_changed(campaign: Campaign) -> None:
    signals.polling_state_changed.send(sender=Campaign, campaign_id=campaign.mongo_id)
