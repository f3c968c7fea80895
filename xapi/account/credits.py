"""Credit accounting: every provider call records what it cost, per campaign and tweet.

The campaign's live spend counters are written here (spend.py); `call_charged` then tells
ingestion, which keeps the per-call log (`api_usage`) for the report and audits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal
from django.utils import timezone

from xapi.account import spend

CREDITS_PER_TWEET = 15
CREDITS_PER_PROFILE = 18
MIN_CREDITS_PER_CALL = 15
CREDITS_PER_USD = 100_000

# campaign_id, tweet_id, endpoint, items, status, credits, at: one provider call and its cost
call_charged = Signal()


@dataclass(frozen=True)
class UsageContext:
    """Who a call is made for, so its cost can be attributed."""

    campaign_id: str | None = None
    tweet_id: str | None = None


def cost(tweets: int = 0, profiles: int = 0) -> int:
    """Pricing: 15 credits per tweet, 18 per profile, at least 15 per call, even an empty one."""
    return max(MIN_CREDITS_PER_CALL, tweets * CREDITS_PER_TWEET + profiles * CREDITS_PER_PROFILE)


def record(endpoint: str, usage: UsageContext | None, *, tweets: int = 0, profiles: int = 0,
           status: int = 200) -> int:
    """Count a call's cost on its campaign's spend counters, then announce it (ingestion logs each call)."""
    credits = cost(tweets, profiles) if status == 200 else 0
    campaign_id, at = usage.campaign_id if usage else None, timezone.now()
    if campaign_id:
        # Live spend and the budget read these counters, never the per-call log.
        spend.record(campaign_id, endpoint, credits, at)
    call_charged.send(sender=UsageContext, campaign_id=campaign_id, tweet_id=usage.tweet_id if usage else None,
                      endpoint=endpoint, items=tweets + profiles, status=status, credits=credits, at=at)
    return credits
