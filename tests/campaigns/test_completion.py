import datetime as dt
import io
import shutil
from collections import Counter

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from ingestion.archiving.archive import archive_for, verify_archive
from ingestion.polling.worker_status import final_poll_done
from alerts.report_email import send_due
from operations.completion import _claim_finalization, due_campaigns, finalize, request_completion
from campaigns.models import Campaign, ReportEmail
from reports.pdf_jobs import render_and_keep
from socap_project import mongo
from tests.ingestion.helpers import TINY, poll_cycle, tiny_campaign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def finished(simulator, sinks, settings, tmp_path):
    settings.SOCAP_ARCHIVE_DIR = tmp_path / "archives"
    campaign = tiny_campaign(channels=["email"])
    for _ in range(0, 72, 12):
        poll_cycle(campaign)
        simulator.advance(hours=12)
    # The window is over (dates are the simulated launch's, long past in real time).
    assert campaign in due_campaigns()
    campaign.completion_requested_at = timezone.now()
    campaign.save()
    return campaign


def test_completion_end_to_end(finished, simulator, sinks, django_user_model):
    campaign = finished
    assert finalize(campaign.pk).state == "waiting"  # the final poll has not run yet
    poll_cycle(campaign)  # the final poll
    assert final_poll_done(campaign.mongo_id, campaign.completion_requested_at)
    result = finalize(campaign.pk)
    assert result.state == "completed"
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED and campaign.completed_at

    truth = simulator.ground_truth()
    report = result.report
    replies = {(e["tweet_id"], e["user_id"]) for e in truth["engagements"]
               if e["action_type"] == "reply" and e["tweet_id"] in TINY}
    quotes = {(e["tweet_id"], e["user_id"]) for e in truth["engagements"]
              if e["action_type"] == "quote" and e["tweet_id"] in TINY}
    assert report["engagements"]["by_action"]["reply"] == len(replies)
    assert report["engagements"]["by_action"]["quote"] == len(quotes)
    totals = Counter()
    for tweet_id in TINY:
        totals.update({"views": truth["metrics"][tweet_id]["viewCount"],
                       "likes": truth["metrics"][tweet_id]["likeCount"]})
    assert report["metrics"]["totals"]["views"] == totals["views"]
    assert report["metrics"]["totals"]["likes"] == totals["likes"]
    # API usage comes from the spend counter; it must equal the per-call log it is kept beside.
    calls = list(mongo.collection(mongo.API_USAGE).find({"campaign_id": campaign.mongo_id}))
    assert calls
    assert report["api_usage"]["requests"] == len(calls)
    assert report["api_usage"]["credits"] == sum(call["credits"] for call in calls)
    assert verify_archive(archive_for(campaign.mongo_id)).ok

    # The email goes out from its outbox row (what the control queue's send_report_emails runs).
    assert ReportEmail.objects.get(campaign=campaign).state == ReportEmail.State.PENDING
    assert send_due()["sent"] == 1 and send_due()["sent"] == 0
    mail = sinks.messages()["email"]
    assert sum("final launch report is ready" in m["subject"] for m in mail) == 1
    assert ReportEmail.objects.get(campaign=campaign).state == ReportEmail.State.SENT
    assert finalize(campaign.pk).state == "already_completed"  # second run: a no-op
    assert mongo.collection(mongo.FINAL_REPORTS).count_documents({"campaign_id": campaign.mongo_id}) == 1

    client = Client()
    page = client.get(f"/socap/c/{campaign.share_token}/").content.decode()
    assert "final report is frozen" in page and "every 45s" not in page and "every 60s" not in page  # polling stopped
    assert f'href="/socap/c/{campaign.share_token}/report"' in page
    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "pw"))
    # The staff page opens the staff report page, not the JSON API at .../report.
    staff_page = staff.get(f"/socap/campaigns/{campaign.pk}/").content.decode()
    assert f'href="/socap/campaigns/{campaign.pk}/report/"' in staff_page
    if shutil.which("chromium"):
        pdf_url = f"/socap/c/{campaign.share_token}/report.pdf"
        assert client.get(pdf_url).status_code == 202  # printed by a task, not in the request
        render_and_keep(campaign.pk)  # the task's body, as a worker runs it
        pdf = b"".join(client.get(pdf_url).streaming_content)
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert "Tiny" in text


def test_deadline_freezes_even_if_a_job_never_finishes(finished, settings):
    campaign = finished
    requested = timezone.now() - dt.timedelta(minutes=settings.SOCAP_FINAL_POLL_MINUTES + 1)
    campaign.completion_requested_at = requested
    campaign.save()
    # One job never reported back after the request (its worker is gone, say).
    mongo.collection(mongo.WORKER_STATE).update_one(
        {"campaign_id": campaign.mongo_id, "job_type": "quotes"},
        {"$set": {"updated_at": requested - dt.timedelta(minutes=5)}})
    assert not final_poll_done(campaign.mongo_id, campaign.completion_requested_at)
    assert finalize(campaign.pk).state == "completed"


def test_only_one_asker_claims_the_completion(finished, redis_conn):
    campaign = finished
    first, second = Campaign.objects.get(pk=campaign.pk), Campaign.objects.get(pk=campaign.pk)
    assert request_completion(first) is True
    assert request_completion(second) is False  # read the same request, lost the conditional update
    assert request_completion(Campaign.objects.get(pk=campaign.pk)) is True  # staff asking again later


def test_a_held_finalisation_claim_keeps_others_out_until_it_lapses(finished, settings):
    campaign = finished
    campaign.completion_requested_at = timezone.now() - dt.timedelta(minutes=settings.SOCAP_FINAL_POLL_MINUTES + 1)
    campaign.save()
    assert _claim_finalization(campaign.pk) is not None  # a finaliser that then died
    assert finalize(campaign.pk).state == "busy"
    Campaign.objects.filter(pk=campaign.pk).update(finalizing_until=timezone.now() - dt.timedelta(seconds=1))
    assert finalize(campaign.pk).state == "completed"
    assert ReportEmail.objects.filter(campaign=campaign).count() == 1


def test_report_email_is_retried_until_the_smtp_server_takes_it(finished, settings, sinks):
    campaign = finished
    campaign.completion_requested_at = timezone.now() - dt.timedelta(minutes=settings.SOCAP_FINAL_POLL_MINUTES + 1)
    campaign.save()
    assert finalize(campaign.pk).state == "completed"
    settings.EMAIL_PORT = 9  # nothing listens: the SMTP connection is refused
    assert send_due() == {"sent": 0, "retry": 1, "failed": 0, "unknown": 0}
    row = ReportEmail.objects.get(campaign=campaign)
    assert row.state == ReportEmail.State.PENDING and row.attempts == 1 and "SMTP" in row.last_error
    assert send_due()["retry"] == 0  # backing off
    settings.EMAIL_PORT = sinks.smtp_port
    ReportEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert send_due()["sent"] == 1
    assert sum("final launch report is ready" in m["subject"] for m in sinks.messages()["email"]) == 1


def test_a_sender_that_died_mid_send_is_not_repeated(finished, settings, sinks):
    campaign = finished
    row = ReportEmail.objects.create(campaign=campaign, state=ReportEmail.State.SENDING, attempts=1,
                                     started_at=timezone.now() - dt.timedelta(hours=1))
    assert send_due()["unknown"] == 1
    row.refresh_from_db()
    assert row.state == ReportEmail.State.UNKNOWN and not sinks.messages()["email"]
