"""The engagement document as other apps read it, and the constants they use.

An engagement is one account's action on one tracked tweet, stored once
(unique on campaign, tweet, action, account) by `ingestion/storing/engagements.py`.
Other apps receive these documents from the hand-off signals and from
`ingestion.selectors`; they read the fields named here and nothing else, and
ask for them with `projection(...)`, which refuses a name the contract does not
have (a typo or a field that was renamed fails when the module loads, not as a
silently missing value in production).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypedDict, get_type_hints

from socap_project.vocabulary import ACTIONS, TWEET_CATEGORIES

__all__ = ["ACTIONS", "TWEET_CATEGORIES", "TIME_EXACT", "TIME_POLL", "TIME_BEFORE", "POSITIVE", "NEUTRAL",
           "NEGATIVE", "SENTIMENTS", "PRIORITY", "AccountProfile", "Engagement", "FIELDS", "projection"]

# How exact `timestamp` is: the reply's own time; the poll that first saw a retweet (the API gives no
# retweet time); or "before monitoring" for what a backfill found (alerts and first movers skip those).
TIME_EXACT, TIME_POLL, TIME_BEFORE = "exact", "poll", "before_monitoring"

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"
SENTIMENTS = (POSITIVE, NEUTRAL, NEGATIVE)

# Celery priorities of ingestion's jobs (0 first): work that must keep pace with polling uses the metrics one.
PRIORITY = {"metrics": 0, "retweets": 2, "replies": 3, "quotes": 3}


class AccountProfile(TypedDict):
    username: str
    name: str
    bio: str
    location: str
    followers: int | None
    verified: bool


class Engagement(TypedDict, total=False):
    _id: object
    campaign_id: str
    tweet_id: str
    tweet_category: str  # main_twt | influencer_twt | investor_twt
    action_type: Literal["retweet", "reply", "quote"]
    user_id: str
    account_profile: AccountProfile
    account_category: str
    importance_score: float
    followed_by: list[dict]  # important accounts that follow this one: [{id, username, weight}]
    seq: int  # per-campaign store order, 1, 2, 3 ... (windows of what was stored are seq ranges)
    timestamp: dt.datetime  # earliest known time of the action
    hour: dt.datetime  # `timestamp` truncated to the hour
    time_precision: Literal["exact", "poll", "before_monitoring"]
    created_at: dt.datetime
    last_seen_at: dt.datetime
    text: str | None  # the newest reply/quote text (None for a retweet)
    engagement_tweet_id: str | None
    engagement_tweet_ids: list[str]
    latest_at: dt.datetime
    sentiment: Literal["positive", "neutral", "negative"]
    sentiment_score: float


FIELDS = frozenset(get_type_hints(Engagement))


def projection(*names: str) -> dict[str, int]:
    """A MongoDB projection of these contract fields; a name outside the contract is an error."""
    unknown = sorted(set(names) - FIELDS)
    if unknown:
        raise ValueError(f"not fields of an engagement: {', '.join(unknown)}")
    return dict.fromkeys(names, 1)
