"""Tweet URLs -> tweet ids, with a reason for everything that is not a tweet URL."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

HOSTS = {"x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com", "www.x.com", "www.twitter.com",
         "m.twitter.com"}
_STATUS = re.compile(r"^/(?:(?P<user>[A-Za-z0-9_]{1,15})|i/web|i)/status(?:es)?/(?P<id>[^/]+)(?:/.*)?$")


class InvalidTweetUrl(ValueError):
    pass


def parse_tweet_url(url: str) -> str:
    text = (url or "").strip()
    if not text:
        raise InvalidTweetUrl("The URL is empty.")
    if "://" not in text:
        if text.split("/")[0].lower() in HOSTS:
            text = "https://" + text
        else:
            raise InvalidTweetUrl("Not a URL: expected https://x.com/<user>/status/<id>.")
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"}:
        raise InvalidTweetUrl(f"Unsupported scheme {parts.scheme!r}: use https.")
    host = (parts.hostname or "").lower()
    if host not in HOSTS:
        raise InvalidTweetUrl(f"{host or 'The host'} is not x.com or twitter.com.")
    match = _STATUS.match(parts.path.rstrip("/") or "/")
    if not match:
        raise InvalidTweetUrl("Not a tweet URL: expected /<user>/status/<id>.")
    tweet_id = match.group("id")
    if not tweet_id.isdigit():
        raise InvalidTweetUrl(f"The tweet id {tweet_id!r} is not a number.")
    if len(tweet_id) > 20:
        raise InvalidTweetUrl("The tweet id is too long to be real.")
    return str(int(tweet_id))
