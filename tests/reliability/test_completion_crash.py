"""kill -9 a finaliser after each step of completion, then let two more race to finish it:
one frozen report, one archive, one status flip, one "report is ready" email."""

import datetime as dt
import random
import re
import sys
from collections import Counter

import pytest
from django.utils import timezone

from campaigns.models import Campaign, ReportEmail
from ingestion.archiving.archive import archive_for, verify_archive
from socap_project import mongo
from tests.ingestion.helpers import tiny_campaign
from tests.reliability import ledger
from tests.support.database import shared_database_url
from tests.support.processes import ManagedProcess

pytestmark = pytest.mark.django_db(transaction=True)

# What Beat's ticks do for a campaign past its final poll (the finalize task, then the outbox
# sender), in a loop; `die_after` kills the process with SIGKILL right after that step returns.
COMPLETER = """
import os, signal, sys, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "socap_project.settings"
django.setup()
from alerts import report_email
from operations import completion
from campaigns.models import ReportEmail

campaign_id, die_after = int(sys.argv[1]), sys.argv[2]


def dying(step, fn):
    def wrapper(*args, **kwargs):
        result = fn(*args, **kwargs)
        # A claim or a flip that did not happen is not the step being interrupted.
        if step == die_after and (result or step in ("freeze", "archive", "email")):
            print(f"killed after {step}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    return wrapper


completion._claim_finalization = dying("claim", completion._claim_finalization)
completion.freeze_report = dying("freeze", completion.freeze_report)
completion.write_archive = dying("archive", completion.write_archive)
completion._complete = dying("complete", completion._complete)
report_email.send_report_ready = dying("email", report_email.send_report_ready)
print("completer ready", flush=True)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    completion.finalize(campaign_id)
    report_email.send_due()
    if ReportEmail.objects.filter(campaign_id=campaign_id, state__in=["sent", "unknown", "failed"]).exists():
        break
    time.sleep(0.2)
print("completer done", flush=True)
"""
STEPS = ("claim", "freeze", "archive", "complete", "email")
CLAIM_SECONDS = 3


def completer(log_dir, sinks, archive_dir, campaign_id: int, die_after: str) -> ManagedProcess:
    env = {"DATABASE_URL": shared_database_url(), "EMAIL_HOST": "127.0.0.1",
           "EMAIL_PORT": str(sinks.smtp_port), "SOCAP_ARCHIVE_DIR": str(archive_dir),
           "SOCAP_COMPLETION_CLAIM_SECONDS": str(CLAIM_SECONDS),
           "SOCAP_REPORT_EMAIL_CLAIM_SECONDS": str(CLAIM_SECONDS)}
    name = f"completer-{die_after}-{random.getrandbits(32):x}"
    return ManagedProcess(name, [sys.executable, "-c", COMPLETER, str(campaign_id), die_after], log_dir, env=env)


def campaign_past_its_final_poll(step: str, settings) -> Campaign:
    campaign = tiny_campaign(channels=["email"])
    requested = timezone.now() - dt.timedelta(minutes=settings.SOCAP_FINAL_POLL_MINUTES + 1)
    Campaign.objects.filter(pk=campaign.pk).update(launch_name=f"Crash {step}", completion_requested_at=requested)
    return Campaign.objects.get(pk=campaign.pk)


def report_emails(sinks) -> Counter:
    return Counter(match.group(1) for message in sinks.messages()["email"]
                   if (match := re.match(r"\[Crash (\w+)\] Your final launch report is ready", message["subject"])))


def test_killed_finalisers_leave_one_report_and_one_email(simulator, sinks, tmp_log_dir, tmp_path, settings):
    settings.SOCAP_ARCHIVE_DIR = tmp_path / "archives"
    campaigns = {}
    for step in STEPS:
        campaign = campaigns[step] = campaign_past_its_final_poll(step, settings)
        doomed = completer(tmp_log_dir, sinks, settings.SOCAP_ARCHIVE_DIR, campaign.pk, step).start(timeout=60)
        doomed.proc.wait(timeout=60)
        assert f"killed after {step}" in doomed.log_path.read_text(), doomed.tail()
        ledger.record(kills=1)
        # Two finalisers race (two Beats, a redelivered task) while the dead one's claim is still held.
        racers = [completer(tmp_log_dir, sinks, settings.SOCAP_ARCHIVE_DIR, campaign.pk, "never").start(timeout=60)
                  for _ in range(2)]
        for racer in racers:
            racer.proc.wait(timeout=90)
            assert "completer done" in racer.log_path.read_text(), racer.tail()

    emails = report_emails(sinks)
    for step, campaign in campaigns.items():
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.COMPLETED, step
        assert mongo.collection(mongo.FINAL_REPORTS).count_documents({"campaign_id": campaign.mongo_id}) == 1, step
        assert verify_archive(archive_for(campaign.mongo_id)).ok, step
        assert emails[step] == 1, (step, emails)
        # Killed between SMTP's answer and the `sent` mark: not resent, flagged for staff instead.
        expected = ReportEmail.State.UNKNOWN if step == "email" else ReportEmail.State.SENT
        assert ReportEmail.objects.get(campaign=campaign).state == expected, step
