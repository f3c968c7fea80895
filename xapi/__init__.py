"""The X data API client.

    from xapi import get_client, UsageContext
    client = get_client()
    client.get_tweets(["1900..."], usage=UsageContext(campaign_id="12"))   # {id: XTweet}; absent = not found
    client.get_retweeters_page(tweet_id, cursor=None, usage=...)          # UsersPage(users, has_next_page, next_cursor)
    client.get_replies_page(tweet_id, cursor=None, since=None, until=None, usage=...)   # TweetsPage(tweets, ...)
    client.get_quotes_page(tweet_id, cursor=None, since=None, until=None, usage=...)

Errors are `xapi.errors.XApiError` subclasses with a `permanent` flag.
A second provider (the official X API v2) is one more module implementing
`XDataProvider`, chosen by settings.X_API_PROVIDER in `get_client`.
"""

from __future__ import annotations

import os
from typing import Protocol

from django.conf import settings

from xapi.account.credits import UsageContext
from xapi.schemas import TweetsPage, UsersPage, XTweet
from xapi.twitterapi_io import TwitterApiIoClient

__all__ = ["UsageContext", "XDataProvider", "get_client"]


class XDataProvider(Protocol):
    def get_tweets(self, tweet_ids: list[str], usage: UsageContext | None = None) -> dict[str, XTweet]: ...

    def get_retweeters_page(self, tweet_id: str, cursor: str | None = None,
                            usage: UsageContext | None = None) -> UsersPage: ...

    def get_replies_page(self, tweet_id: str, cursor: str | None = None, since=None, until=None,
                         usage: UsageContext | None = None) -> TweetsPage: ...

    def get_quotes_page(self, tweet_id: str, cursor: str | None = None, since=None, until=None,
                        usage: UsageContext | None = None) -> TweetsPage: ...


_clients: dict[tuple, XDataProvider] = {}


def get_client() -> XDataProvider:
    """One client per process and configuration (its HTTP session keeps connections open)."""
    key = (os.getpid(), settings.X_API_PROVIDER, settings.X_API_BASE_URL, settings.X_API_KEY,
           settings.X_API_RATE_LIMIT_RPS, settings.X_API_TIMEOUT_SECONDS, settings.X_API_MAX_RETRIES)
    if key not in _clients:
        if settings.X_API_PROVIDER != "twitterapi_io":
            raise ValueError(f"Unknown X_API_PROVIDER {settings.X_API_PROVIDER!r}; available: twitterapi_io.")
        _clients[key] = TwitterApiIoClient()
    return _clients[key]
