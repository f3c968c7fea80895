"""The spike alert: a poll cycle whose engagement rate is several times the campaign's trailing rate.

Poll cycles all last one interval, so a cycle's rate is its count of new
engagements found outside backfills (counted by its jobs at write time, on the
cycle document). The trailing rate is the mean of the previous
SOCAP_SPIKE_TRAILING_CYCLES poll cycles, kept on the campaign's counter
document, so evaluating costs two small reads. A spike needs
`spike_min_engagements` and `spike_factor` times the trailing mean (per
campaign), and at least MIN_HISTORY earlier cycles: the first cycles of a
campaign have no rate to compare with.

The alert is one queue item per (campaign, cycle): the queue's unique
(campaign, user, run) index with the reserved user id "spike". The sender
records it in alert history as action "spike" (dedupe: once per cycle, and
not again inside the frequency window).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from campaigns.models import Campaign
from ingestion import cycles, engagement_services
from ingestion.engagements import TIME_BEFORE
from socap_project import mongo

SPIKE = "spike"
MIN_HISTORY = 3
TOP_ACCOUNTS = 5


def _history(campaign: Campaign, cycle: dict) -> list[int]:
    """Fresh counts of the previous poll cycles; this cycle's is recorded once (a re-plan adds nothing)."""
    previous = engagement_services.record_cycle_rate(campaign.mongo_id, cycle["_id"], int(cycle.get("fresh") or 0),
                                                    keep=settings.SOCAP_SPIKE_TRAILING_CYCLES + 1)
    return previous[-settings.SOCAP_SPIKE_TRAILING_CYCLES:]


def top_accounts(docs: list[dict]) -> list[dict]:
    best: dict[str, dict] = {}
    for doc in docs:
        if doc.get("time_precision") == TIME_BEFORE:
            continue
        if doc["user_id"] not in best or doc.get("importance_score", 0) > best[doc["user_id"]]["importance_score"]:
            profile = doc.get("account_profile") or {}
            best[doc["user_id"]] = {"user_id": doc["user_id"], "username": profile.get("username", ""),
                                    "account_category": doc.get("account_category") or "others",
                                    "importance_score": float(doc.get("importance_score") or 0),
                                    "action_type": doc["action_type"], "tweet_category": doc["tweet_category"]}
    return sorted(best.values(), key=lambda a: -a["importance_score"])[:TOP_ACCOUNTS]


def evaluate(campaign: Campaign, cycle: dict, docs: list[dict]) -> dict | None:
    """Queue the cycle's spike alert when its rate is a spike; return the alert's numbers, else None."""
    if cycle["kind"] != cycles.POLL:
        return None  # a manual or final poll is not interval-long: no rate
    previous = _history(campaign, cycle)
    fresh = int(cycle.get("fresh") or 0)
    if len(previous) < MIN_HISTORY:
        return None
    mean = sum(previous) / len(previous)
    if fresh < campaign.spike_min_engagements or fresh < campaign.spike_factor * mean:
        return None
    numbers = {"fresh": fresh, "trailing_mean": round(mean, 2), "trailing_cycles": len(previous),
               "factor": campaign.spike_factor, "top": top_accounts(docs)}
    now = timezone.now()
    started = cycle["started_at"]
    item = {
        "campaign_id": campaign.mongo_id, "kind": SPIKE, "user_id": SPIKE, "username": "", "name": "",
        "followers": 0, "account_category": SPIKE, "action_type": SPIKE, "engagement_id": None,
        "importance_score": max((a["importance_score"] for a in numbers["top"]), default=0.0),
        # The history row's time is the cycle's start: one spike alert per cycle and channel.
        "engagements": [{"action_type": SPIKE, "hour": started, "timestamp": started, "tweet_category": None,
                         "text": None, "engagement_tweet_id": None}],
        "spike": numbers, "run_batch": cycle["_id"], "scheduled_send_time": now, "status": "pending",
        "claimed_by": None, "claim_until": None, "sent_at": None, "skip_reason": None, "created_at": now,
    }
    mongo.collection(mongo.ALERT_QUEUE).update_one(
        {"campaign_id": campaign.mongo_id, "user_id": SPIKE, "run_batch": cycle["_id"]},
        {"$setOnInsert": item}, upsert=True)
    return numbers
