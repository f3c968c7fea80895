import pytest

from campaigns.tweet_urls import InvalidTweetUrl, parse_tweet_url

VALID = [
    ("https://x.com/jack/status/20", "20"),
    ("https://twitter.com/jack/status/20", "20"),
    ("http://www.twitter.com/jack/status/20/", "20"),
    ("https://mobile.twitter.com/jack/status/1900000000000000101?s=20", "1900000000000000101"),
    ("https://x.com/i/web/status/1900000000000000101", "1900000000000000101"),
    ("https://x.com/jack/status/20/photo/1", "20"),
    ("x.com/jack/status/20", "20"),
    ("  https://x.com/jack/statuses/20?s=46&t=abc  ", "20"),
]
INVALID = [
    ("", "empty"),
    ("not a url", "Not a URL"),
    ("ftp://x.com/jack/status/20", "scheme"),
    ("https://facebook.com/jack/status/20", "not x.com"),
    ("https://x.com/jack", "Not a tweet URL"),
    ("https://x.com/jack/status/abc", "not a number"),
    ("https://x.com/jack/status/123456789012345678901234", "too long"),
]


@pytest.mark.parametrize(("url", "tweet_id"), VALID)
def test_valid_urls(url, tweet_id):
    assert parse_tweet_url(url) == tweet_id


@pytest.mark.parametrize(("url", "reason"), INVALID)
def test_invalid_urls_say_why(url, reason):
    with pytest.raises(InvalidTweetUrl, match=reason):
        parse_tweet_url(url)
