import datetime as dt

import pytest

from xapi import UsageContext, get_client
from xapi import errors
from xapi.pagination import is_last_page
from socap_project import mongo

MAIN = "1900000000000000101"
PROTECTED = "1900000000000000199"


def iter_pages(fetch, cursor: str | None = None, max_pages: int = 1000):
    """Pages from `fetch(cursor)` until the pagination guard says stop (a whole-list read)."""
    seen: set = set()
    for _ in range(max_pages):
        page = fetch(cursor)
        yield page
        items = len(getattr(page, "users", None) or getattr(page, "tweets", None) or [])
        if is_last_page(items, page.has_next_page, page.next_cursor, cursor, seen):
            return
        seen.add(cursor)
        cursor = page.next_cursor


@pytest.fixture
def client(simulator, mongo_db, redis_conn):
    simulator.advance(days=3)  # the whole launch has happened
    return get_client()


def test_tweets_by_ids_batch_and_protected_absent(client, simulator, mongo_db):
    found = client.get_tweets([MAIN, PROTECTED, "1"], usage=UsageContext(campaign_id="c9"))
    assert set(found) == {MAIN}
    tweet = found[MAIN]
    truth = simulator.ground_truth()["metrics"][MAIN]
    assert (tweet.retweets, tweet.replies, tweet.views) == (
        truth["retweetCount"], truth["replyCount"], truth["viewCount"])
    assert tweet.created_at == dt.datetime(2025, 3, 15, 15, tzinfo=dt.UTC)
    assert tweet.author.username == "orbitlabs"
    usage = mongo_db[mongo.API_USAGE].find_one({"campaign_id": "c9"})
    assert usage["credits"] == 15 and usage["endpoint"] == "/twitter/tweets"


def test_whole_lists_through_the_pagination_helper(client, simulator, mongo_db):
    truth = simulator.ground_truth()
    pages = list(iter_pages(lambda c: client.get_replies_page(MAIN, cursor=c)))
    replies = [t for p in pages for t in p.tweets]
    expected = [e for e in truth["engagements"] if e["tweet_id"] == MAIN and e["action_type"] == "reply"]
    assert len(pages) == -(-len(expected) // 20)
    assert {t.id for t in replies} == {e["engagement_tweet_id"] for e in expected}
    assert replies[0].created_at >= replies[-1].created_at  # newest first
    users = [u for p in iter_pages(lambda c: client.get_retweeters_page(MAIN, cursor=c)) for u in p.users]
    visible = {e["user_id"] for e in truth["engagements"]
               if e["tweet_id"] == MAIN and e["action_type"] == "retweet" and e["visible"]}
    assert {u.id for u in users} == visible
    profile_credits = sum(d["credits"] for d in mongo_db[mongo.API_USAGE].find(
        {"endpoint": "/twitter/tweet/retweeters"}))
    assert profile_credits == max(15, 18 * len(users)) if len(users) <= 20 else profile_credits >= 18 * len(users)


@pytest.mark.parametrize(("rule", "error"), [
    ({"kind": "rate_limit", "retry_after": 7}, errors.RateLimited),
    ({"kind": "credits"}, errors.CreditsExhausted),
    ({"kind": "malformed"}, errors.MalformedResponse),
    ({"kind": "error_in_200"}, errors.ProviderError),
    ({"kind": "expired_cursor"}, errors.CursorExpired),
    ({"kind": "server_error", "count": 5}, errors.Transient),
])
def test_each_failure_maps_to_its_error(client, simulator, rule, error):
    simulator.faults([rule])
    with pytest.raises(error) as caught:
        client.get_retweeters_page(MAIN)
    if rule["kind"] == "rate_limit":
        assert caught.value.retry_after == 7
    assert caught.value.permanent is False


def test_not_found_and_bad_key_are_permanent(client, simulator, settings):
    with pytest.raises(errors.NotFound) as caught:
        client.get_quotes_page(PROTECTED)
    assert caught.value.permanent
    settings.X_API_KEY = ""
    with pytest.raises(errors.Unauthorized):
        get_client().get_tweets([MAIN])


def test_transient_errors_are_retried(client, simulator):
    simulator.faults([{"kind": "server_error", "count": 2, "status": 503}])
    page = client.get_retweeters_page(MAIN)  # two 503s, then the answer (2 retries allowed)
    assert page.users
    assert simulator.stats()["requests:/twitter/tweet/retweeters"] == 3


def test_timeout_is_transient(client, simulator, settings):
    settings.X_API_TIMEOUT_SECONDS = 0.5
    settings.X_API_MAX_RETRIES = 0
    simulator.faults([{"kind": "timeout", "delay_seconds": 2}])
    with pytest.raises(errors.Transient):
        get_client().get_retweeters_page(MAIN)


def test_guards_stop_on_lying_has_next_and_repeated_cursor(client, simulator):
    simulator.faults([{"kind": "lying_has_next", "count": None, "path": "/twitter/tweet/quotes"}])
    pages = list(iter_pages(lambda c: client.get_quotes_page(MAIN, cursor=c), max_pages=20))
    assert len(pages) == 2 and pages[-1].tweets == []  # true page, then the empty lie
    simulator.faults([{"kind": "repeated_cursor", "count": None, "path": "/twitter/tweet/retweeters"}])
    pages = list(iter_pages(lambda c: client.get_retweeters_page(MAIN, cursor=c), max_pages=20))
    assert len(pages) == 2  # the second page repeats its own cursor


def test_credits_run_out(client, simulator):
    simulator.set_credits("test-key", 20)
    client.get_tweets([MAIN])  # 15 credits
    with pytest.raises(errors.CreditsExhausted):
        client.get_retweeters_page(MAIN)
