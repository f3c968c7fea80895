"""Data migrations replayed on a test database: forward, then back."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("campaigns", "0005_negative_sentiment_threshold")]
AFTER = [("campaigns", "0006_tracked_tweet_metric_names")]
PROVIDER = {"likeCount": 120, "retweetCount": 14, "quoteCount": 3, "replyCount": 9, "viewCount": 40000,
            "bookmarkCount": 2, "last_updated": "2025-03-15T17:00:00+00:00"}
SOCAP = {"likes": 120, "retweets": 14, "quotes": 3, "replies": 9, "views": 40000, "bookmarks": 2,
         "last_updated": "2025-03-15T17:00:00+00:00"}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0005():
    apps = migrate(BEFORE)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # the next test gets the full schema


def metrics_by_tweet(apps) -> dict[str, dict]:
    return dict(apps.get_model("campaigns", "TrackedTweet").objects.values_list("tweet_id", "metrics"))


def test_tracked_tweet_metric_names_forward_and_back(at_0005):
    Campaign = at_0005.get_model("campaigns", "Campaign")
    TrackedTweet = at_0005.get_model("campaigns", "TrackedTweet")
    now = dt.datetime(2025, 3, 15, tzinfo=dt.UTC)
    campaign = Campaign.objects.create(launch_name="L", client_name="C", client_email="c@example.com",
                                       start_date=now, end_date=now + dt.timedelta(days=3), share_token="t-1")
    rows = {"polled": PROVIDER, "never_read": {}, "partial": {"retweetCount": 5, "other": 1}}
    for tweet_id, metrics in rows.items():
        TrackedTweet.objects.create(campaign=campaign, tweet_id=tweet_id, url=f"https://x.com/a/status/{tweet_id}",
                                    category="main_twt", metrics=metrics)

    forward = metrics_by_tweet(migrate(AFTER))
    assert forward == {"polled": SOCAP, "never_read": {}, "partial": {"retweets": 5, "other": 1}}
    # SQLite keeps the keys in the order they were written; PostgreSQL's jsonb in an order of its own
    # (the API orders them itself, campaigns.serializers.tweet_metrics_representation).
    keeps_order = connection.vendor == "sqlite"
    if keeps_order:
        assert list(forward["polled"]) == list(SOCAP)

    back = metrics_by_tweet(migrate(BEFORE))
    assert back == rows
    if keeps_order:
        assert list(back["polled"]) == list(PROVIDER)
