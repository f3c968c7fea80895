"""The metrics job (ingestion/polling/metrics_job.py) writes per batch of tweets, not per tweet: its MongoDB
commands are the same for 4 tweets as for 40, so a 400-tweet cycle is not held up by the store."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from campaigns import services
from campaigns.inputs import CATEGORY_KEYS, AlertPreferencesInput, CampaignInput, TweetInput
from campaigns.models import TrackedTweet
from ingestion.polling.metrics_job import run_metrics
from socap_project import mongo
from tests.ingestion.test_page_write import _monitored
from tests.support.simulator import SimulatorProcess, socap_metrics

pytestmark = pytest.mark.django_db(transaction=True)
TWEETS = [str(1_950_000_000_000_000_000 + i) for i in range(40)]
CATEGORIES = ["main_twt", "influencer_twt", "investor_twt"]


@pytest.fixture
def forty(tmp_log_dir, settings, mongo_db, redis_conn):
    spec = {"name": "forty", "launch_time": "2025-03-15T15:00:00Z", "duration_hours": 72, "decay_hours": 8,
            "seed": 5, "important_people": 5,
            "accounts": {"count": 200, "mix": {"founders": 0.3, "developers": 0.4, "others": 0.3}},
            "tweets": [{"id": tweet_id, "category": CATEGORIES[i % 3], "offset_minutes": i, "retweets": 4,
                        "replies": 2, "quotes": 1, "likes": 50, "views": 5000, "bookmarks": 2}
                       for i, tweet_id in enumerate(TWEETS)]}
    path = tmp_log_dir / "forty.json"
    path.write_text(json.dumps(spec))
    sim = SimulatorProcess(tmp_log_dir, scenario=str(path), extra=["--start", "2025-03-15T18:00:00Z"]).start()
    settings.X_API_BASE_URL, settings.X_API_KEY, settings.X_API_RATE_LIMIT_RPS = sim.base_url, "test-key", 200
    campaign = services.create_campaign(CampaignInput(
        launch_name="Forty", client_name="C", client_email="c@example.com",
        start_date=dt.datetime(2025, 3, 15, 15, tzinfo=dt.UTC), end_date=dt.datetime(2025, 3, 18, 15, tzinfo=dt.UTC),
        tweets=[TweetInput(url=f"https://x.com/a/status/{tweet_id}", category=CATEGORIES[i % 3],
                           path=f"{CATEGORY_KEYS[CATEGORIES[i % 3]]}[{i // 3}].url")
                for i, tweet_id in enumerate(TWEETS)],
        alerts=AlertPreferencesInput(channels=[])))
    yield sim, campaign
    sim.stop()


def test_commands_do_not_grow_with_the_tweets_read(forty):
    sim, campaign = forty
    run_metrics(campaign.pk)  # the first reading sets every baseline
    sim.advance(minutes=30)
    few, few_commands = _monitored(lambda: run_metrics(campaign.pk, tweet_ids=TWEETS[:4]))
    many, many_commands = _monitored(lambda: run_metrics(campaign.pk, tweet_ids=TWEETS))
    assert sorted(few.polled) == sorted(TWEETS[:4]) and sorted(many.polled) == sorted(TWEETS)
    def names(events):  # getMore names a cursor id, not a collection
        return sorted(f"{e['name']} {e['command'][e['name']]}".removesuffix(str(e["command"].get("getMore", "")))
                      for e in events)

    assert names(few_commands) == names(many_commands), "one command per batch of tweets, not one per tweet"
    assert len(many_commands) <= 12, names(many_commands)

    # What the batched writes leave is what the per-tweet ones did: readings, deltas, leases given back.
    truth = sim.ground_truth()
    states = {s["tweet_id"]: s for s in mongo.collection(mongo.WORKER_STATE).find(
        {"campaign_id": campaign.mongo_id, "job_type": "metrics"})}
    latest = mongo.collection(mongo.CAMPAIGN_STATS).find_one({"_id": campaign.mongo_id})["latest_deltas"]
    for tweet in TrackedTweet.objects.filter(campaign=campaign):
        expected = socap_metrics(truth["metrics"][tweet.tweet_id])
        assert {name: tweet.metrics[name] for name in expected} == expected
        state = states[tweet.tweet_id]
        assert state["lease_owner"] is None and state["last_success"] is not None and "next_poll_at" in state
        delta = mongo.collection(mongo.METRIC_DELTAS).find_one(
            {"campaign_id": campaign.mongo_id, "tweet_id": tweet.tweet_id}, sort=[("recorded_at", -1)])
        assert delta["values"]["likes"] == expected["likes"] and latest[tweet.tweet_id] == delta["deltas"]


def test_a_tweet_leased_elsewhere_is_skipped_and_kept(forty):
    sim, campaign = forty
    from ingestion.polling import leases

    assert leases.acquire(campaign.mongo_id, TWEETS[0], "metrics", "another-worker")
    run = run_metrics(campaign.pk)
    assert run.skipped == [TWEETS[0]] and sorted(run.polled) == sorted(TWEETS[1:])
    state = mongo.collection(mongo.WORKER_STATE).find_one(
        {"campaign_id": campaign.mongo_id, "tweet_id": TWEETS[0], "job_type": "metrics"})
    assert state["lease_owner"] == "another-worker", "a lease held elsewhere is not given back by this run"
