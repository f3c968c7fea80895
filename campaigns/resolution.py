"""Tweet lookup for campaign setup, through the X data API client."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from campaigns.inputs import TweetResolutionUnavailable
from xapi import get_client
from xapi.errors import XApiError


@dataclass
class ResolvedTweet:
    tweet_id: str
    author_name: str
    author_username: str
    metrics: dict = field(default_factory=dict)


def resolve_tweets(tweet_ids: list[str]) -> dict[str, ResolvedTweet]:
    """One batched lookup; ids missing from the result were not found or are protected."""
    if not tweet_ids:
        return {}
    try:
        found = get_client().get_tweets(tweet_ids)
    except XApiError as exc:
        raise TweetResolutionUnavailable(str(exc), retry_after=getattr(exc, "retry_after", None)) from exc
    now = timezone.now().isoformat()
    resolved = {}
    for tweet_id, tweet in found.items():
        resolved[tweet_id] = ResolvedTweet(
            tweet_id=tweet_id,
            author_name=tweet.author.name or "",
            author_username=tweet.author.username or "",
            metrics={**tweet.metric_values(), "last_updated": now},
        )
    return resolved
