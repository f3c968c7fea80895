"""Two Beats (one killed -9 and restarted) plus the trigger endpoint hammering: one fan-out per interval."""

import sys
import threading
import time
import uuid

import pytest
from django.core.management import call_command
from django.test import Client

from campaigns.models import Campaign
from ingestion.views import TRIGGER_HEADER
from socap_project.redis_client import get_redis
from tests.ingestion.helpers import tiny_campaign
from tests.reliability import ledger
from tests.reliability.workers import worker, worker_env
from tests.support.processes import ManagedProcess, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
INTERVAL = 4  # seconds
METRICS_PATH = "requests:/twitter/tweets"


def beat(log_dir, env) -> ManagedProcess:
    name = f"beat-{uuid.uuid4().hex[:6]}"
    argv = [sys.executable, "-m", "celery", "-A", "socap_project", "beat", "--loglevel", "INFO", "--pidfile", ""]
    return ManagedProcess(name, argv, log_dir, env=env, ready_text="beat: Starting").start(timeout=60)


def fan_out_slots() -> set[int]:
    return {int(key.rsplit(b":", 1)[1]) for key in get_redis().scan_iter("socap:fanout:*")}


def test_two_beats_and_the_trigger_fan_out_once_per_interval(simulator, tmp_log_dir, settings, redis_conn):
    settings.SOCAP_POLL_INTERVAL_SECONDS = INTERVAL
    settings.SOCAP_TRIGGER_SECRET = "trigger-secret"
    call_command("socap_setup_schedules", verbosity=0)
    campaign = tiny_campaign()
    now = time.time()
    Campaign.objects.filter(pk=campaign.pk).update(  # the window must contain the real now
        start_date=campaign.start_date.fromtimestamp(now - 3600, campaign.start_date.tzinfo),
        end_date=campaign.end_date.fromtimestamp(now + 86400, campaign.end_date.tzinfo))
    get_redis().delete(*get_redis().keys("socap:fanout:*") or ["-"])
    env = worker_env(simulator, SOCAP_POLL_INTERVAL_MINUTES=INTERVAL / 60)
    before = simulator.stats().get(METRICS_PATH, 0)

    stop, slots, triggers = threading.Event(), set(), []

    def hammer():
        client = Client()
        while not stop.is_set():
            response = client.post("/socap/workers/trigger", headers={TRIGGER_HEADER: "trigger-secret"})
            triggers.append(response.json()["already_polled_this_interval"])
            slots.update(fan_out_slots())
            time.sleep(0.05)

    processes = [worker(tmp_log_dir, simulator, concurrency=2, SOCAP_POLL_INTERVAL_MINUTES=INTERVAL / 60)]
    hammering = threading.Thread(target=hammer)
    try:
        processes += [beat(tmp_log_dir, env), beat(tmp_log_dir, env)]
        hammering.start()
        time.sleep(INTERVAL * 1.5)
        processes[1].kill()  # one Beat crashes mid-run ...
        ledger.record(kills=1)
        time.sleep(2)
        processes[1] = beat(tmp_log_dir, env)  # ... and comes back
        time.sleep(INTERVAL * 2.5)
        for beat_process in processes[1:]:  # Beats first, so no interval is claimed unseen
            beat_process.stop()
        stop.set()
        hammering.join(30)
        slots.update(fan_out_slots())
        # Every fanned-out metrics job has reached the simulator once the queue is drained.
        wait_until(lambda: simulator.stats().get(METRICS_PATH, 0) - before >= len(slots), 30)
        time.sleep(1)
    finally:
        stop.set()
        for process in processes:
            process.stop()
    polls = simulator.stats().get(METRICS_PATH, 0) - before
    expected = set(range(min(slots), max(slots) + 1))
    missed = expected - slots
    ledger.record(runs=1, lost=len(missed), duplicated=max(0, polls - len(slots)))
    assert len(expected) >= 4 and not missed, (sorted(slots), missed)
    assert polls == len(slots), f"{polls} metrics polls for {len(slots)} intervals"
    for beat_process in processes[1:]:  # both Beats were sending fan-outs, not just the trigger
        assert "socap.ingestion.fan_out" in beat_process.tail(400), beat_process.tail()
    assert len(triggers) > 50 and sum(1 for t in triggers if not t) <= len(slots)
