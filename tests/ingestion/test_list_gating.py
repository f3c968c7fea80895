"""The metrics job enqueues only the list jobs that can find something."""

import pytest

from ingestion.polling.list_job import run_list_job
from ingestion.polling.metrics_job import run_metrics
from ingestion.polling.scheduler import LIST_JOBS
from socap_project import mongo
from tests.ingestion.helpers import TINY, poll_cycle, stored_keys, tiny_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def env(simulator, mongo_db, redis_conn):
    return simulator


def test_only_moved_counters_unfinished_or_failed_jobs_are_enqueued(env):
    campaign = tiny_campaign()
    first = run_metrics(campaign.pk)
    assert sorted(first.list_jobs) == sorted((t, j) for t in TINY for j in LIST_JOBS)  # every backfill is due
    for tweet_id, job in first.list_jobs:
        run_list_job(campaign.pk, tweet_id, job)
    assert run_metrics(campaign.pk).list_jobs == []  # nothing moved since

    env.advance(hours=6)
    run = run_metrics(campaign.pk)
    moved = []
    states = {(s["tweet_id"], s["job_type"]): s for s in mongo.collection(mongo.WORKER_STATE).find(
        {"campaign_id": campaign.mongo_id})}
    for tweet in campaign.tweets.all():
        for job in LIST_JOBS:  # each named like the metric that counts its list
            if states[(tweet.tweet_id, job)]["last_count"] != tweet.metrics[job]:
                moved.append((tweet.tweet_id, job))
    assert moved and sorted(run.list_jobs) == sorted(moved)

    # A failed run is retried, a parked job is left to staff.
    tweet_id, job = next((t, j) for t in TINY for j in LIST_JOBS if (t, j) not in moved)
    mongo.collection(mongo.WORKER_STATE).update_one(
        {"campaign_id": campaign.mongo_id, "tweet_id": tweet_id, "job_type": job},
        {"$set": {"last_error": "XApiError: 500"}})
    parked = moved[0]
    mongo.collection(mongo.WORKER_STATE).update_one(
        {"campaign_id": campaign.mongo_id, "tweet_id": parked[0], "job_type": parked[1]},
        {"$set": {"parked": {"reason": "not_found"}}})
    again = run_metrics(campaign.pk).list_jobs
    assert (tweet_id, job) in again and parked not in again


def test_gated_cycles_store_what_polling_every_job_stores(env):
    gated = tiny_campaign()
    for _ in range(6):
        run = run_metrics(gated.pk)
        for tweet_id, job in run.list_jobs:
            run_list_job(gated.pk, tweet_id, job)
        env.advance(hours=3)
    run = run_metrics(gated.pk)
    for tweet_id, job in run.list_jobs:
        run_list_job(gated.pk, tweet_id, job)
    full = tiny_campaign()  # the same tweets, every job run once now
    poll_cycle(full)
    # Replies and quotes carry their own ids and times: the gated campaign holds exactly what a full read finds.
    assert {k for k in stored_keys(gated) if k[2] != "retweet"} == {k for k in stored_keys(full) if k[2] != "retweet"}
