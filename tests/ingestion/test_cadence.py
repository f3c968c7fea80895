"""Adaptive cadence over a fast-forwarded window: quiet tweets back off, snap back on a move, nothing is lost."""

import datetime as dt

import pytest

from campaigns.models import TrackedTweet
from ingestion.polling.cadence import MOVING
from ingestion.polling.list_job import run_list_job
from ingestion.polling.metrics_job import run_metrics
from ingestion.polling.scheduler import LIST_JOBS
from socap_project import mongo
from tests.ingestion.helpers import TINY, assert_matches_truth, stored_keys, tiny_campaign, truth_keys
from tests.support.simulator import socap_metrics

pytestmark = pytest.mark.django_db(transaction=True)


def cadence_states(campaign) -> dict[str, int]:
    return {s["tweet_id"]: s.get("cadence", 1) for s in mongo.collection(mongo.WORKER_STATE).find(
        {"campaign_id": campaign.mongo_id, "job_type": "metrics"})}


def counters(campaign) -> dict[str, tuple]:
    return {t.tweet_id: tuple(t.metrics.get(k) for k in MOVING) for t in TrackedTweet.objects.filter(campaign=campaign)}


def test_quiet_tweets_back_off_snap_back_and_stored_metrics_equal_ground_truth(simulator, mongo_db, redis_conn,
                                                                              settings):
    settings.SOCAP_CADENCE_LAUNCH_HOURS = 4  # the simulator starts two hours after the launch
    interval = dt.timedelta(seconds=settings.SOCAP_POLL_INTERVAL_SECONDS)
    campaign = tiny_campaign()
    start, end = campaign.start_date, campaign.end_date
    cycle = simulator.now()
    first_seen: dict[tuple, dt.datetime] = {}
    factors: list[tuple[dt.datetime, int]] = []
    polls: dict[str, list[dt.datetime]] = {}
    snapped_back = rested = 0
    seen = set()
    while cycle < end:
        simulator.set_clock(cycle)
        before, factor_before = counters(campaign), cadence_states(campaign)
        run = run_metrics(campaign.pk, cycle)  # what the fan-out's task does, then the due tweets' lists
        for tweet_id in run.polled:
            polls.setdefault(tweet_id, []).append(cycle)
        rested += len(run.resting)
        for tweet_id in run.due:
            for job in LIST_JOBS:
                run_list_job(campaign.pk, tweet_id, job)
        after, factor_after = counters(campaign), cadence_states(campaign)
        for tweet_id in run.polled:
            if after[tweet_id] != before[tweet_id]:
                assert factor_after[tweet_id] == 1, "a tweet whose counter moved goes back to every interval"
                snapped_back += factor_before.get(tweet_id, 1) > 1
        factors += [(cycle, f) for f in factor_after.values()]
        for key in stored_keys(campaign):
            first_seen.setdefault(key, cycle)
        seen |= truth_keys(simulator.ground_truth(), visible_only=True)
        cycle += interval

    assert max(f for t, f in factors if t < start + dt.timedelta(hours=4)) == 1, "launch hours at full cadence"
    assert max(f for t, f in factors if t < start + dt.timedelta(hours=24)) == 2
    assert max(f for t, f in factors) == settings.SOCAP_CADENCE_MAX_FACTOR
    assert rested > 0 and snapped_back > 0

    # Lag: from a counter moving in the simulator to the reading that stored it, and for replies and
    # quotes (never withdrawn, so count gating cannot miss them) to the cycle that stored the account.
    truth = simulator.ground_truth(end)
    first_cycle = min(first_seen.values())
    moves = []
    for e in truth["engagements"]:
        moves.append((e["tweet_id"], dt.datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00"))))
        if e["removed_at"]:  # an unretweet moves the counter too
            moves.append((e["tweet_id"], dt.datetime.fromisoformat(e["removed_at"].replace("Z", "+00:00"))))
    counter_lags = [(at, (min(t for t in polls[tweet_id] if t >= at) - at) / interval)
                    for tweet_id, at in moves if first_cycle < at < polls[tweet_id][-1]]
    assert max(lag for at, lag in counter_lags if at < start + dt.timedelta(hours=24)) <= 2
    assert max(lag for _, lag in counter_lags) <= settings.SOCAP_CADENCE_MAX_FACTOR
    happened: dict[tuple, dt.datetime] = {}
    for e in truth["engagements"]:
        key = (e["tweet_id"], e["user_id"], e["action_type"])
        happened.setdefault(key, dt.datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")))
    stored_lags = [(happened[k], (seen_at - happened[k]) / interval) for k, seen_at in first_seen.items()
                   if k[2] != "retweet" and happened[k] > first_cycle]
    assert max(lag for at, lag in stored_lags if at < start + dt.timedelta(hours=24)) <= 2

    # The final poll covers every tweet; metrics and engagements equal the simulator's ground truth.
    simulator.set_clock(end)
    run = run_metrics(campaign.pk)
    assert not run.resting
    for tweet_id in TINY:
        for job in LIST_JOBS:
            run_list_job(campaign.pk, tweet_id, job)
    truth = simulator.ground_truth(end)
    seen |= truth_keys(truth, visible_only=True)
    assert_matches_truth(campaign, truth, seen)
    for tweet in TrackedTweet.objects.filter(campaign=campaign):
        expected = socap_metrics(truth["metrics"][tweet.tweet_id])
        assert {k: tweet.metrics[k] for k in expected} == expected
        deltas = list(mongo.collection(mongo.METRIC_DELTAS).find(
            {"campaign_id": campaign.mongo_id, "tweet_id": tweet.tweet_id, "deltas": {"$ne": None}}))
        first = min(deltas, key=lambda d: d["recorded_at"])
        for name in ("likes", "retweets", "views"):
            base = first["values"][name] - first["deltas"][name]
            assert base + sum(d["deltas"][name] for d in deltas) == expected[name], name
