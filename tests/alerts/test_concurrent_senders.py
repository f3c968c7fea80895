import os
import subprocess
import sys
from collections import Counter

import pytest
from tests.support.database import shared_database_url

from alerts.queueing import queue_for_run
from socap_project import mongo
from tests.alerts.test_alerts import make_due, stored
from tests.factories import engagement_doc, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)

SENDER = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "socap_project.settings"
django.setup()
from alerts.sender import send_due
report = send_due()
print(report.sent, report.skipped, report.failed)
"""


def test_two_sender_processes_send_each_alert_once(sinks):
    campaign = make_campaign(channels=["email"])
    tweet = campaign.tweets.first()
    docs = stored([engagement_doc(campaign, tweet, str(i), importance=50, username=f"acct{i}") for i in range(24)])
    assert queue_for_run(campaign, docs, "run-1") == 24
    make_due()
    env = {**os.environ, "DATABASE_URL": shared_database_url(),
           "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sinks.smtp_port)}
    procs = [subprocess.Popen([sys.executable, "-c", SENDER], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    sent = [int(p.communicate(timeout=120)[0].split()[0]) for p in procs]
    assert sum(sent) == 24
    subjects = Counter(m["subject"] for m in sinks.messages()["email"])
    assert len(subjects) == 24 and max(subjects.values()) == 1
    assert mongo.collection(mongo.ALERT_QUEUE).count_documents({"status": "sent"}) == 24
