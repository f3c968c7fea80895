"""A saturated list queue (a backfill of many tweets, every provider call slowed) holds back neither
the Beat heartbeat nor a due alert: control tasks have their own queue, polled first by every
worker, and the Procfile's control worker takes them even while every list worker is busy."""

import time

import pytest

from alerts.queueing import queue_for_run
from alerts.tasks import send_due_alerts
from ingestion.polling import scheduler
from ingestion.polling.list_gating import LIST_JOBS
from socap_project.health import HEARTBEAT_KEY
from socap_project.redis_client import get_redis
from socap_project.tasks import heartbeat
from tests.alerts.test_alerts import campaign_with, make_due, stored
from tests.factories import engagement_doc
from tests.ingestion.helpers import TINY, tiny_campaign
from tests.reliability.workers import worker
from tests.support.processes import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
LIST_PATHS = ("/twitter/tweet/retweeters", "/twitter/tweet/replies", "/twitter/tweet/quotes")
BACKLOG_ROUNDS = 10  # 3 tweets x 3 lists x 10: 90 list jobs, each at least one slowed request


def saturate(simulator, delay_seconds: float) -> int:
    simulator.faults([{"kind": "timeout", "path": path, "count": None, "delay_seconds": delay_seconds}
                      for path in LIST_PATHS])
    campaign = tiny_campaign()
    jobs = [(tweet_id, job) for _ in range(BACKLOG_ROUNDS) for tweet_id in TINY for job in LIST_JOBS]
    return scheduler.enqueue_lists(campaign.pk, jobs=jobs)


def waiting_list_jobs() -> int:
    redis = get_redis()
    return sum(redis.llen(key) for key in ("celery", "celery:2", "celery:3"))


def one_due_alert(sinks) -> None:
    campaign = campaign_with(sinks, extra_recipients=[])
    tweet = campaign.tweets.first()
    assert queue_for_run(campaign, stored([engagement_doc(campaign, tweet, "1", importance=50,
                                                          username="acct1")]), "run-1") == 1
    make_due()


def control_latencies(sinks) -> dict[str, float]:
    """Ask for a heartbeat and an alert send, as Beat does; seconds until each has happened."""
    get_redis().delete(HEARTBEAT_KEY)
    asked = time.monotonic()
    heartbeat.delay()
    send_due_alerts.delay()
    done = {}
    deadline = asked + 60
    while len(done) < 2 and time.monotonic() < deadline:
        if "heartbeat" not in done and get_redis().get(HEARTBEAT_KEY):
            done["heartbeat"] = time.monotonic() - asked
        if "alert" not in done and sinks.messages()["slack"]:
            done["alert"] = time.monotonic() - asked
        time.sleep(0.1)
    return done


def test_a_worker_takes_control_tasks_before_waiting_list_jobs(simulator, sinks, tmp_log_dir, settings):
    enqueued = saturate(simulator, delay_seconds=0.3)
    one_due_alert(sinks)
    process = worker(tmp_log_dir, simulator, concurrency=1, EMAIL_PORT=sinks.smtp_port)
    try:
        assert wait_until(lambda: waiting_list_jobs() < enqueued, 30), process.tail()  # list jobs are running
        latencies = control_latencies(sinks)
        still_waiting = waiting_list_jobs()
    finally:
        process.stop()
    # Behind the backlog they would wait for ~90 slowed jobs; ahead of it, for the one running.
    assert still_waiting > enqueued // 2
    assert set(latencies) == {"heartbeat", "alert"}, process.tail()
    assert max(latencies.values()) < 15, latencies


def test_the_control_worker_serves_while_every_list_worker_is_stuck(simulator, sinks, tmp_log_dir, settings):
    enqueued = saturate(simulator, delay_seconds=12)  # one list request outlasts the whole check
    one_due_alert(sinks)
    processes = [worker(tmp_log_dir, simulator, concurrency=1, EMAIL_PORT=sinks.smtp_port, X_API_MAX_RETRIES=0),
                 worker(tmp_log_dir, simulator, concurrency=1, queues="control", EMAIL_PORT=sinks.smtp_port)]
    try:
        assert wait_until(lambda: waiting_list_jobs() < enqueued, 30), processes[0].tail()
        latencies = control_latencies(sinks)
    finally:
        for process in processes:
            process.stop(timeout=5)
    assert set(latencies) == {"heartbeat", "alert"}, processes[1].tail()
    assert max(latencies.values()) < 5, latencies
