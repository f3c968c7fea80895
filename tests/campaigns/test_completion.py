import datetime as dt
import io
import shutil
from collections import Counter

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from ingestion.archive import archive_for, verify_archive
from ingestion.selectors import final_poll_done
from reports.pdf_jobs import render_and_keep
from campaigns.completion import due_campaigns, finalize
from campaigns.models import Campaign
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

    mail = sinks.messages()["email"]
    assert any("final launch report is ready" in m["subject"] for m in mail)
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
