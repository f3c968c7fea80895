"""kill -9 the alert sender at random points: every alert reaches Slack and email once."""

import random
import re
import sys
import time
from collections import Counter

import pytest
from tests.support.database import shared_database_url

from alerts.models import AlertHistory
from alerts.queueing import queue_for_run
from socap_project import mongo
from tests.alerts.test_alerts import campaign_with, make_due, stored
from tests.factories import engagement_doc
from tests.reliability import ledger
from tests.support.processes import ManagedProcess, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

# A sender process as the worker runs it: send what is due until the queue is empty.
SENDER = """
import os, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "socap_project.settings"
django.setup()
from alerts.sender import send_due
from socap_project import mongo
print("sender ready", flush=True)
while mongo.collection(mongo.ALERT_QUEUE).count_documents({"status": {"$in": ["pending", "sending"]}}):
    send_due()
    time.sleep(0.2)
print("sender done", flush=True)
"""
ACCOUNTS = 12


def sender(log_dir, sinks) -> ManagedProcess:
    env = {"DATABASE_URL": shared_database_url(), "EMAIL_HOST": "127.0.0.1",
           "EMAIL_PORT": str(sinks.smtp_port), "SOCAP_ALERT_CLAIM_SECONDS": "2"}
    return ManagedProcess(f"sender-{random.getrandbits(32):x}", [sys.executable, "-c", SENDER], log_dir,
                          env=env, ready_text="sender ready").start(timeout=60)


def delivered(sinks) -> tuple[Counter, Counter]:
    got = sinks.messages()
    slack = Counter(m for msg in got["slack"] for m in re.findall(r"@(acct\d+)\b", msg["text"]))
    email = Counter(m for msg in got["email"] for m in re.findall(r"@(acct\d+)\b", msg["subject"]))
    return slack, email


@pytest.mark.parametrize("seed", [3, pytest.param(4, marks=pytest.mark.slow), pytest.param(5, marks=pytest.mark.slow)])
def test_killed_sender_loses_and_repeats_nothing(sinks, tmp_log_dir, seed):
    rng = random.Random(seed)
    campaign = campaign_with(sinks, extra_recipients=[])
    tweet = campaign.tweets.first()
    docs = stored([engagement_doc(campaign, tweet, str(i), importance=50, username=f"acct{i}")
                   for i in range(ACCOUNTS)])
    assert queue_for_run(campaign, docs, f"run-{seed}") == ACCOUNTS
    make_due()
    kills = 0
    for _ in range(3):  # Slack takes one message a second, so ~12 s of sending to interrupt
        process = sender(tmp_log_dir, sinks)
        time.sleep(rng.uniform(0.3, 2.5))
        if process.running:
            process.kill()
            kills += 1
        process.stop()
    last = sender(tmp_log_dir, sinks)
    try:
        assert wait_until(lambda: "sender done" in last.tail(), 90), last.tail()
    finally:
        last.stop()
    ledger.record(kills=kills)
    expected = {f"acct{i}" for i in range(ACCOUNTS)}
    for channel, counts in zip(("slack", "email"), delivered(sinks), strict=True):
        lost, repeated = ledger.compare(expected, counts)
        unknown = AlertHistory.objects.filter(channel=channel, status=AlertHistory.Status.UNKNOWN).count()
        assert not repeated, f"{channel}: sent twice {repeated}"
        assert not lost or len(lost) <= unknown, f"{channel}: lost {lost}"
    queue = mongo.collection(mongo.ALERT_QUEUE)
    assert queue.count_documents({"status": {"$in": ["pending", "sending"]}}) == 0
    assert AlertHistory.objects.filter(status=AlertHistory.Status.SENDING).count() == 0
