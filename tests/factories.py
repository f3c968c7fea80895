"""Builders for test data, shared by every app's tests.

`make_campaign` writes Django rows directly (no X API resolution): for tests of
code downstream of campaign creation. `engagement_doc` builds a document in the
exact shape of docs/data-model.md.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from campaigns.models import Campaign, TrackedTweet
from ingestion.storing.engagements import reserve_seq
from socap_project import mongo

_ids = itertools.count(1_900_000_000_000_000_001)


def next_tweet_id() -> str:
    return str(next(_ids))


def make_campaign(*, tweets: dict[str, int] | None = None, **overrides) -> Campaign:
    now = timezone.now()
    fields = {
        "launch_name": "Launch Q1",
        "client_name": "Acme",
        "client_email": "client@example.com",
        "start_date": now - dt.timedelta(hours=1),
        "end_date": now + dt.timedelta(days=3),
        "importance_threshold": 10,
        "channels": ["slack", "email"],
        "slack_webhook_url": "http://127.0.0.1:9/hooks/test",
    }
    fields.update(overrides)
    campaign = Campaign.objects.create(**fields)
    counts = tweets if tweets is not None else {"main_twt": 1, "influencer_twt": 1, "investor_twt": 1}
    for category, count in counts.items():
        for _ in range(count):
            tweet_id = next_tweet_id()
            TrackedTweet.objects.create(
                campaign=campaign,
                tweet_id=tweet_id,
                url=f"https://x.com/author/status/{tweet_id}",
                category=category,
                author_name="Author",
                author_username="author",
            )
    return campaign


def engagement_doc(campaign: Campaign, tweet: TrackedTweet, user_id: str, action_type: str = "retweet", *,
                   timestamp: dt.datetime | None = None, importance: float = 0, category: str = "others",
                   username: str | None = None, followers: int = 100, text: str | None = None,
                   seq: int | None = None) -> dict:
    ts = timestamp or timezone.now()
    now = timezone.now()
    return {
        "campaign_id": campaign.mongo_id,
        "seq": seq if seq is not None else reserve_seq(campaign.mongo_id, 1),
        "tweet_id": tweet.tweet_id,
        "tweet_category": tweet.category,
        "user_id": user_id,
        "action_type": action_type,
        "timestamp": ts,
        "hour": ts.replace(minute=0, second=0, microsecond=0),
        "text": text,
        "engagement_tweet_id": next_tweet_id() if action_type != "retweet" else None,
        "reply_count": 1,
        "account_profile": {
            "username": username or f"user{user_id}",
            "name": f"User {user_id}",
            "bio": "",
            "location": "",
            "followers": followers,
            "verified": False,
        },
        "account_category": category,
        "importance_score": importance,
        "last_seen_at": now,
        "created_at": now,
    }


def store_engagements(docs: list[dict]) -> list[dict]:
    """Insert engagement documents and count them in, as the ingestion hand-off does."""
    from dashboard.services import record_engagements

    mongo.collection(mongo.ENGAGEMENTS).insert_many(docs)
    by_campaign: dict[str, list[dict]] = {}
    for doc in docs:
        by_campaign.setdefault(doc["campaign_id"], []).append(doc)
    for campaign_id, group in by_campaign.items():
        record_engagements(campaign_id, group)
    return docs
