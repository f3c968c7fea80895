"""Putting a run's important engagements on the alert queue (docs/alerts.md).

A run is a poll cycle (alerts/planning.py). One queue item per account per
run: an account that engaged several tweets in the run gets one batched message.
Items are unique per (campaign, account, run), so a run handed over twice queues nothing new. Dedupe happens here and
again before sending.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from alerts import rules
from alerts.models import AlertHistory
from campaigns.models import Campaign
from ingestion.contract import Engagement
from socap_project import mongo


def recently_alerted(campaign: Campaign, user_id: str, action_type: str, hour: dt.datetime,
                     now: dt.datetime) -> bool:
    """Already sent for this account, action and hour, or queued/sent inside the frequency window."""
    if AlertHistory.objects.filter(campaign=campaign, user_id=user_id, action_type=action_type,
                                   timestamp_hour=hour, status=AlertHistory.Status.SENT).exists():
        return True
    since = now - dt.timedelta(minutes=campaign.frequency_window_minutes)
    return mongo.collection(mongo.ALERT_QUEUE).count_documents({
        "campaign_id": campaign.mongo_id, "user_id": user_id, "created_at": {"$gte": since},
        "status": {"$in": ["pending", "sending", "sent", "waiting"]}, "engagements.action_type": action_type,
    }) > 0


def _item(campaign: Campaign, engagements: list[dict], run_batch: str, send_at: dt.datetime,
          now: dt.datetime) -> dict:
    top = max(engagements, key=lambda e: e.get("importance_score") or 0)
    profile = top.get("account_profile") or {}
    return {
        "campaign_id": campaign.mongo_id,
        "user_id": top["user_id"],
        "username": profile.get("username", ""),
        "name": profile.get("name", ""),
        "followers": profile.get("followers", 0),
        "account_category": top.get("account_category") or "others",
        "importance_score": float(top.get("importance_score") or 0),
        "engagement_id": top["_id"],
        "followed_by": top.get("followed_by") or [],
        "strongly_negative": any(rules.strongly_negative(campaign, e) for e in engagements),
        "action_type": top["action_type"],
        "engagements": [
            {"engagement_id": e["_id"], "tweet_id": e["tweet_id"], "tweet_category": e["tweet_category"],
             "action_type": e["action_type"], "text": e.get("text"),
             "engagement_tweet_id": e.get("engagement_tweet_id"),
             "hour": e["hour"], "timestamp": e["timestamp"], "sentiment_score": e.get("sentiment_score"),
             "strongly_negative": rules.strongly_negative(campaign, e)}
            for e in sorted(engagements, key=lambda e: e["timestamp"])
        ],
        "run_batch": run_batch,
        "scheduled_send_time": send_at,
        "status": "pending",
        "claimed_by": None,
        "claim_until": None,
        "sent_at": None,
        "skip_reason": None,
        "created_at": now,
    }


def spacing_minutes(campaign: Campaign, now: dt.datetime, send_by: dt.datetime | None) -> float:
    """The campaign's spacing window, shortened when the run's alerts must be out before `send_by`."""
    if send_by is None:
        return float(campaign.alert_spacing_minutes)
    left = max(0.0, (send_by - now).total_seconds() / 60)
    return min(float(campaign.alert_spacing_minutes), left)


def queue_for_run(campaign: Campaign, new_engagements: list[Engagement], run_batch: str,
                  send_by: dt.datetime | None = None) -> int:
    now = timezone.now()
    by_account: dict[str, list[dict]] = {}
    for engagement in new_engagements:
        if not rules.qualifies(campaign, engagement):
            continue
        if recently_alerted(campaign, engagement["user_id"], engagement["action_type"], engagement["hour"], now):
            continue
        by_account.setdefault(engagement["user_id"], []).append(engagement)
    if not by_account:
        return 0
    # Strongly negative replies/quotes first, then the most important accounts.
    ordered = sorted(by_account.values(), key=lambda items: (
        not any(rules.strongly_negative(campaign, e) for e in items),
        -max(e.get("importance_score") or 0 for e in items)))
    times = rules.spread(len(ordered), now, spacing_minutes(campaign, now, send_by))
    ops = [
        mongo.UpdateOne(
            {"campaign_id": campaign.mongo_id, "user_id": items[0]["user_id"], "run_batch": run_batch},
            {"$setOnInsert": _item(campaign, items, run_batch, send_at, now)},
            upsert=True,
        )
        for items, send_at in zip(ordered, times, strict=True)
    ]
    return mongo.collection(mongo.ALERT_QUEUE).bulk_write(ops, ordered=False).upserted_count
