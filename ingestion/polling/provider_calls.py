"""What the jobs need from the X data API client, in the jobs' own terms: the calls, and whether the
campaign's budget and the key's credits let them call at all (xapi/account/budget.py)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from campaigns.models import Campaign
from ingestion import signals
from ingestion.storing.engagements import Engager
from socap_project import mongo
from xapi import UsageContext, get_client
from xapi.account import budget, key_state
from xapi.errors import CreditsExhausted, XApiError


@dataclass
class Page:
    engagers: list[Engager]
    next_cursor: str | None
    has_next_page: bool


def _usage(campaign_id: str, tweet_id: str | None = None):
    return UsageContext(campaign_id=campaign_id, tweet_id=tweet_id)


@contextmanager
def _key_state():
    """A 402 means the key itself is out of credits: mark it, so every campaign on it stops visibly."""
    try:
        yield
    except CreditsExhausted as exc:
        key_state.mark_exhausted(str(exc), timezone.now())
        raise


def budget_blocked_reason(campaign: Campaign, now: dt.datetime | None = None) -> str | None:
    """Why this campaign must not call the provider now, or None; announces the budget levels it crosses
    (alerts tells staff)."""
    state, crossed = budget.check(campaign.mongo_id, campaign.credit_budget, now or timezone.now())
    for level in crossed:
        signals.budget_level_crossed.send(sender=Campaign, campaign_id=campaign.pk, level=level,
                                          budget=state.budget, spent=state.spent)
    return state.blocked_reason


def guard_budget(campaign: Campaign) -> None:
    if reason := budget_blocked_reason(campaign):
        raise budget.BudgetExhausted(reason)


def fetch_metrics(tweet_ids: list[str], campaign_id: str) -> dict[str, dict[str, int]]:
    """Current metrics of many tweets in one call; absent ids were not found or are protected."""
    with _key_state():
        found = get_client().get_tweets(tweet_ids, usage=_usage(campaign_id))
    return {tweet_id: tweet.metric_values() for tweet_id, tweet in found.items()}


def _from_user(user, **extra) -> Engager:
    return Engager(
        user_id=str(user.id),
        username=user.username or "",
        name=user.name or "",
        bio=user.description or "",
        location=user.location or "",
        followers=user.followers or 0,
        verified=bool(user.verified),
        **extra,
    )


def fetch_page(job_type: str, tweet_id: str, cursor: str | None, campaign_id: str) -> Page:
    client = get_client()
    usage = _usage(campaign_id, tweet_id)
    if job_type == "retweets":
        with _key_state():
            page = client.get_retweeters_page(tweet_id, cursor=cursor, usage=usage)
        engagers = [_from_user(user) for user in page.users]
    else:
        fetch = client.get_replies_page if job_type == "replies" else client.get_quotes_page
        with _key_state():
            page = fetch(tweet_id, cursor=cursor, usage=usage)
        engagers = [
            _from_user(t.author, timestamp=t.created_at, text=t.text, engagement_tweet_id=str(t.id))
            for t in page.tweets
            if t.author is not None
        ]
    return Page(engagers=engagers, next_cursor=page.next_cursor, has_next_page=bool(page.has_next_page))


def log_call(campaign_id: str | None, tweet_id: str | None, endpoint: str, items: int, status: int,
             credits: int, at: dt.datetime) -> None:
    """One provider call in the per-call log (report audits, retention); live spend reads the counters
    xapi keeps (xapi/account/spend.py), never this log."""
    mongo.collection(mongo.API_USAGE).insert_one({
        "campaign_id": campaign_id, "tweet_id": tweet_id, "endpoint": endpoint, "items": items,
        "status": status, "credits": credits, "at": at,
    })


def block_seconds(exc: XApiError) -> int:
    """How long a job leaves the provider alone after a rate-limit or credits error."""
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        return int(retry_after) + 1
    if isinstance(exc, CreditsExhausted):
        return settings.SOCAP_CREDITS_BLOCK_SECONDS
    return settings.SOCAP_RATE_LIMIT_BLOCK_SECONDS
