import datetime as dt

import pytest

from campaigns.models import TrackedTweet
from ingestion.polling.list_job import run_list_job
from ingestion.polling.metrics_job import run_metrics
from socap_project import mongo
from tests.ingestion.helpers import TINY, assert_matches_truth, poll_cycle, tiny_campaign, truth_keys
from tests.support.simulator import socap_metrics

pytestmark = pytest.mark.django_db(transaction=True)
MAIN = "1900000000000000101"


@pytest.fixture
def env(simulator, mongo_db, redis_conn):
    return simulator


def test_three_day_window_fast_forwarded_equals_ground_truth(env):
    campaign = tiny_campaign()
    seen = set()
    for _ in range(0, 72, 6):  # a poll every 6 simulated hours
        poll_cycle(campaign)
        seen |= truth_keys(env.ground_truth(), visible_only=True)
        env.advance(hours=6)
    poll_cycle(campaign)
    truth = env.ground_truth()
    seen |= truth_keys(truth, visible_only=True)
    assert_matches_truth(campaign, truth, seen)
    for tweet in TrackedTweet.objects.filter(campaign=campaign):
        expected = socap_metrics(truth["metrics"][tweet.tweet_id])
        assert {k: tweet.metrics[k] for k in expected} == expected
    # Deltas add up to the growth since the creation-time baseline: nothing lost, nothing twice.
    deltas = list(mongo.collection(mongo.METRIC_DELTAS).find({"campaign_id": campaign.mongo_id, "tweet_id": MAIN}))
    first = min(deltas, key=lambda d: d["recorded_at"])
    base_likes = first["values"]["likes"] - first["deltas"]["likes"]
    assert base_likes + sum(d["deltas"]["likes"] for d in deltas) == truth["metrics"][MAIN]["likeCount"]
    assert mongo.collection(mongo.METRIC_SNAPSHOTS).count_documents({"campaign_id": campaign.mongo_id}) >= 1


def test_delta_runs_cost_floor_delta_over_page_plus_one_and_unchanged_costs_nothing(env):
    campaign = tiny_campaign()
    run_metrics(campaign.pk)
    backfill = run_list_job(campaign.pk, MAIN, "replies")
    assert backfill.backfill and backfill.requests >= 1
    for hours in (3, 10, 30):
        before = {e["engagement_tweet_id"] for e in env.ground_truth()["engagements"]
                  if e["tweet_id"] == MAIN and e["action_type"] == "reply"}
        env.advance(hours=hours)
        after = {e["engagement_tweet_id"] for e in env.ground_truth()["engagements"]
                 if e["tweet_id"] == MAIN and e["action_type"] == "reply"}
        delta = len(after - before)
        run_metrics(campaign.pk)
        run = run_list_job(campaign.pk, MAIN, "replies")
        if delta == 0:
            assert run.skipped == "unchanged" and run.requests == 0
        else:
            assert run.requests == delta // 20 + 1, (hours, delta, run)
    requests_before = env.stats().get("requests:/twitter/tweet/replies", 0)
    again = run_list_job(campaign.pk, MAIN, "replies")
    assert again.skipped == "unchanged" and again.requests == 0
    assert env.stats().get("requests:/twitter/tweet/replies", 0) == requests_before


@pytest.mark.parametrize("kind", ["rate_limit", "credits", "server_error", "malformed", "error_in_200",
                                  "expired_cursor", "lying_has_next", "repeated_cursor"])
def test_each_fault_then_recovery_converges_to_ground_truth(env, kind, settings):
    settings.SOCAP_RATE_LIMIT_BLOCK_SECONDS = 0
    settings.SOCAP_CREDITS_BLOCK_SECONDS = 0
    campaign = tiny_campaign()
    env.advance(hours=30)
    env.faults([{"kind": kind, "count": 3, "retry_after": 0}])
    poll_cycle(campaign)
    env.faults([])
    seen = truth_keys(env.ground_truth(), visible_only=True)
    for _ in range(3):
        for state in mongo.collection(mongo.WORKER_STATE).find({"campaign_id": campaign.mongo_id}):
            assert state["lease_owner"] is None
        mongo.collection(mongo.WORKER_STATE).update_many({}, {"$set": {"blocked_until": None}})
        poll_cycle(campaign)
    assert_matches_truth(campaign, env.ground_truth(), seen)


def test_rate_limit_blocks_the_job_and_keeps_the_baseline(env):
    campaign = tiny_campaign()
    baseline = TrackedTweet.objects.get(campaign=campaign, tweet_id=MAIN).metrics
    env.faults([{"kind": "rate_limit", "retry_after": 120, "path": "/twitter/tweets"}])
    run = run_metrics(campaign.pk)
    assert run.error and not run.polled
    state = mongo.collection(mongo.WORKER_STATE).find_one({"campaign_id": campaign.mongo_id, "tweet_id": MAIN,
                                                           "job_type": "metrics"})
    assert state["blocked_until"] > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=100)
    assert "RateLimited" in state["last_error"] and state["retry_count"] == 1
    assert TrackedTweet.objects.get(campaign=campaign, tweet_id=MAIN).metrics == baseline
    assert set(run_metrics(campaign.pk).skipped) == set(TINY)  # still blocked: no request


def test_accelerated_demo_clock_stamps_readings_and_sightings_in_simulated_time(mongo_db, redis_conn, settings,
                                                                              tmp_log_dir):
    import time

    from django.utils import timezone

    from ingestion import clock
    from tests.ingestion.helpers import stored_keys
    from tests.support.simulator import SimulatorProcess

    # 600x: one real second is ten simulated minutes; the launch is five simulated hours old.
    sim = SimulatorProcess(tmp_log_dir, scenario="tiny",
                           extra=["--clock", "realtime", "--speed", "600", "--launch-ago-hours", "5"]).start()
    try:
        settings.X_API_BASE_URL, settings.X_API_KEY, settings.SOCAP_DEMO_CLOCK_FACTOR = sim.base_url, "test-key", 600
        campaign = tiny_campaign()
        before = clock.observed_now()
        assert timezone.now() - before > dt.timedelta(hours=60)  # the simulated clock lags, it never leads
        assert abs(before - sim.now()) < dt.timedelta(minutes=15)
        poll_cycle(campaign)
        time.sleep(1.5)  # 15 simulated minutes
        poll_cycle(campaign)
        after = sim.now()

        snapshots = list(mongo.collection(mongo.METRIC_SNAPSHOTS).find({"campaign_id": campaign.mongo_id}))
        assert snapshots and all(before - dt.timedelta(hours=1) <= s["snapshot_time"] <= after for s in snapshots)
        docs = list(mongo.collection(mongo.ENGAGEMENTS).find({"campaign_id": campaign.mongo_id}))
        assert docs
        # First sightings (and so retweet times) are simulated times, beside the replies' own times.
        assert all(before <= d["created_at"] <= after for d in docs)
        assert all(d["timestamp"] <= after for d in docs)
        retweets = [d for d in docs if d["action_type"] == "retweet"]
        assert retweets and all(d["timestamp"] >= before for d in retweets)
        # Delta detection works on the one clock: nothing twice, nothing that had not happened.
        assert max(stored_keys(campaign).values()) == 1
        assert set(stored_keys(campaign)) <= truth_keys(sim.ground_truth())
        tweet = TrackedTweet.objects.get(campaign=campaign, tweet_id=MAIN)
        assert before <= dt.datetime.fromisoformat(tweet.metrics["last_updated"]) <= after
    finally:
        sim.stop()


def test_a_full_rate_limiter_frees_the_worker_and_the_run_resumes_where_it_stopped(env, settings, monkeypatch):
    from xapi import ratelimit
    from xapi.errors import SlotBusy

    campaign = tiny_campaign()
    run_metrics(campaign.pk)
    env.advance(hours=30)
    run_metrics(campaign.pk)
    real, calls = ratelimit.KeyRateLimiter.acquire, []

    def full_after_one(self):
        calls.append(1)
        if len(calls) == 2:  # the second request of the run finds the limiter full
            raise SlotBusy("no request slot free", retry_after=0.25)
        return real(self)

    monkeypatch.setattr(ratelimit.KeyRateLimiter, "acquire", full_after_one)
    started = dt.datetime.now(dt.UTC)
    run = run_list_job(campaign.pk, MAIN, "retweets")
    assert (dt.datetime.now(dt.UTC) - started).total_seconds() < 5 and run.retry_in == 0.25
    assert run.pages == 1 and run.requests == 1 and run.error is None and run.resume["inserted"]
    state = mongo.collection(mongo.WORKER_STATE).find_one({"campaign_id": campaign.mongo_id, "tweet_id": MAIN,
                                                           "job_type": "retweets"})
    # Not a failure: no block, no retry counted, the lease is free for the retried task.
    assert not state.get("blocked_until") and not state.get("retry_count") and state["lease_owner"] is None
    rest = run_list_job(campaign.pk, MAIN, "retweets", resume=run.resume)
    assert rest.retry_in is None and rest.error is None and rest.requests >= 1
    truth = {(e["tweet_id"], e["user_id"], e["action_type"]) for e in env.ground_truth()["engagements"]
             if e["tweet_id"] == MAIN and e["action_type"] == "retweet" and e["visible"]}
    stored = {(d["tweet_id"], d["user_id"], d["action_type"]) for d in mongo.collection(mongo.ENGAGEMENTS).find(
        {"campaign_id": campaign.mongo_id, "tweet_id": MAIN, "action_type": "retweet"})}
    assert truth <= stored
