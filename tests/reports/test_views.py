import io
import shutil

import pytest
from django.test import Client
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reports.builder import freeze_report
from tests.reports.test_builder import METRICS, seed_engagements
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(mongo_db, settings, tmp_path):
    settings.SOCAP_ARCHIVE_DIR = tmp_path / "archives"
    campaign = make_campaign(launch_name="Orbit Launch", cpm_usd=5.0, slack_webhook_url="https://hooks.example/T1/SECRET")
    for tweet in campaign.tweets.all():
        tweet.metrics = dict(METRICS)
        tweet.save()
    seed_engagements(campaign)
    return campaign


def test_client_report_page_and_isolation(campaign):
    other = make_campaign(launch_name="Other Co launch")
    client = Client()
    page = client.get(f"/socap/c/{campaign.share_token}/report")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Orbit Launch" in html and "preview" in html
    assert "75,000 impressions × $5.00 CPM / 1,000" in html
    assert "SECRET" not in html and "client@example.com" not in html and "Other Co launch" not in html
    old = campaign.share_token
    campaign.rotate_share_token()
    assert client.get(f"/socap/c/{old}/report").status_code == 404
    assert client.get(f"/socap/c/{other.share_token}/report").content.decode().count("Orbit Launch") == 0


def test_report_json_needs_a_token_and_shows_frozen_state(campaign, django_user_model):
    api = APIClient()
    assert api.get(f"/socap/campaigns/{campaign.pk}/report").status_code in (401, 403)
    user = django_user_model.objects.create_user("integrator", password="pw", is_staff=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    live = api.get(f"/socap/campaigns/{campaign.pk}/report").json()
    assert live["frozen"] is False and live["report"]["engagements"]["total"] == 7
    freeze_report(campaign)
    frozen = api.get(f"/socap/campaigns/{campaign.pk}/report").json()
    assert frozen["frozen"] is True and frozen["report"]["earned_media"]["value_usd"] == 375.0
    assert api.get("/socap/campaigns/999999/report").status_code == 404


def test_csv_downloads(campaign):
    client = Client()
    body = b"".join(client.get(f"/socap/c/{campaign.share_token}/report.csv?table=top_accounts").streaming_content)
    lines = body.decode().splitlines()
    assert lines[0].startswith("user_id,username")
    assert lines[1].startswith("1,") and "vcs" in lines[1]
    assert client.get(f"/socap/c/{campaign.share_token}/report.csv?table=nope").status_code == 400
    tweets = b"".join(client.get(f"/socap/c/{campaign.share_token}/report.csv?table=tweets").streaming_content)
    header, first, *_ = tweets.decode().splitlines()
    assert header == ("tweet_id,category,author,url,likes,retweets,quotes,replies,views,bookmarks,"
                      "collected_retweets,collected_replies,collected_quotes")
    row = dict(zip(header.split(","), first.split(","), strict=True))
    assert {name: int(row[name]) for name in METRICS} == METRICS


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed")
def test_pdf_renders_with_the_campaign_name(campaign, redis_conn, eager_tasks):
    freeze_report(campaign)  # the render task runs inline here; tests/security covers the queued path
    response = Client().get(f"/socap/c/{campaign.share_token}/report.pdf")
    assert response.status_code == 200, response.content[:300]
    pdf = b"".join(response.streaming_content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Orbit Launch" in text and "Earned media value" in text
    # People read labels, not the classifier's keys.
    assert "Investors/VCs" in text and "Founders" in text
    assert "vcs" not in text and "founders" not in text


def test_report_page_shows_category_labels_and_csv_keeps_keys(campaign):
    client = Client()
    html = client.get(f"/socap/c/{campaign.share_token}/report").content.decode()
    table = html[html.index("Top accounts by importance"):html.index("<h2>Tweets</h2>")]
    assert "<td>Investors/VCs</td>" in table and "<td>Founders</td>" in table and "<td>Other</td>" in table
    assert "<td>vcs</td>" not in table and "<td>others</td>" not in table
    # The chart script maps keys to the same labels.
    assert '"category_labels": {"founders": "Founders", "vcs": "Investors/VCs"' in html
    csv = b"".join(client.get(f"/socap/c/{campaign.share_token}/report.csv?table=hourly").streaming_content)
    assert ",vcs," in csv.decode() and "Investors/VCs" not in csv.decode()
