"""kill -9 a worker in the middle of a backfill, restart: nothing lost, nothing duplicated."""

import random
from collections import Counter

import pytest

from campaigns.models import TrackedTweet
from ingestion.polling.metrics_job import run_metrics
from ingestion.tasks import poll_list
from socap_project import mongo
from tests.ingestion.helpers import tiny_campaign
from tests.reliability import ledger
from tests.reliability.workers import worker
from tests.support.processes import wait_until
from tests.support.simulator import socap_metrics

pytestmark = pytest.mark.django_db(transaction=True)
MAIN = "1900000000000000101"


@pytest.fixture
def slow_simulator(tmp_log_dir, settings, mongo_db, redis_conn):
    from tests.support.simulator import SimulatorProcess

    sim = SimulatorProcess(tmp_log_dir, scenario="tiny", page_size=2,
                           extra=["--start", "2025-03-18T15:00:00Z"]).start()
    settings.X_API_BASE_URL, settings.X_API_KEY = sim.base_url, "test-key"
    # Every retweeters page takes 0.3 s, so a backfill of ~14 pages can be interrupted.
    sim.faults([{"kind": "timeout", "delay_seconds": 0.3, "count": None, "path": "/twitter/tweet/retweeters"}])
    yield sim
    sim.stop()


def stored_retweeters(campaign) -> Counter:
    return Counter(d["user_id"] for d in mongo.collection(mongo.ENGAGEMENTS).find(
        {"campaign_id": campaign.mongo_id, "tweet_id": MAIN, "action_type": "retweet"}))


@pytest.mark.parametrize("seed", [1, *(pytest.param(s, marks=pytest.mark.slow) for s in (2, 3, 4, 5))])
def test_kill_mid_backfill_then_restart(slow_simulator, tmp_log_dir, seed):
    rng = random.Random(seed)
    campaign = tiny_campaign()
    run_metrics(campaign.pk)
    visible = {e["user_id"] for e in slow_simulator.ground_truth()["engagements"]
               if e["tweet_id"] == MAIN and e["action_type"] == "retweet" and e["visible"]}
    state = {"campaign_id": campaign.mongo_id, "tweet_id": MAIN, "job_type": "retweets"}

    first = worker(tmp_log_dir, slow_simulator)
    kill_after = rng.randint(2, 8)  # pages stored before the crash
    try:
        poll_list.delay(campaign.pk, MAIN, "retweets")
        assert wait_until(lambda: len(stored_retweeters(campaign)) >= 2 * kill_after, 30), first.tail()
        first.kill()
        ledger.record(kills=1)
    finally:
        first.stop()
    checkpoint = mongo.collection(mongo.WORKER_STATE).find_one(state)
    assert checkpoint["backfill_done"] is False and checkpoint["cursor"], "no checkpoint before the crash"

    second = worker(tmp_log_dir, slow_simulator)
    try:
        # The unacknowledged task comes back by itself once its visibility timeout passes.
        done = wait_until(lambda: mongo.collection(mongo.WORKER_STATE).find_one(state)["backfill_done"], 60)
        assert done, second.tail()
    finally:
        second.stop()
    stored = stored_retweeters(campaign)
    lost, repeated = ledger.compare(visible, stored)
    assert not lost and not repeated, (lost, repeated)
    assert set(stored) == visible
    # Metrics after the restart: the stored counters are the simulator's, and the deltas recorded
    # since the creation-time baseline add up to them (none lost or counted twice by the crash).
    slow_simulator.advance(hours=6)
    run_metrics(campaign.pk)
    truth = socap_metrics(slow_simulator.ground_truth()["metrics"][MAIN])
    tweet = TrackedTweet.objects.get(campaign=campaign, tweet_id=MAIN)
    assert {key: tweet.metrics[key] for key in truth} == truth
    deltas = list(mongo.collection(mongo.METRIC_DELTAS).find({"campaign_id": campaign.mongo_id, "tweet_id": MAIN}))
    first = min(deltas, key=lambda d: d["recorded_at"])
    base = first["values"]["likes"] - first["deltas"]["likes"]
    assert base + sum(d["deltas"]["likes"] for d in deltas) == truth["likes"]
