"""Share links: kept out of search engines, rotatable through the API, optionally expiring after completion."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import make_campaign

pytestmark = pytest.mark.django_db

CLIENT_PAGES = ["/socap/c/{token}/", "/socap/c/{token}/report", "/socap/c/{token}/report.csv?table=tweets",
                "/socap/c/{token}/engagements.csv"]


@pytest.fixture
def campaign(mongo_db, redis_conn, settings, tmp_path):
    settings.SOCAP_ARCHIVE_DIR = tmp_path / "archives"
    return make_campaign(launch_name="Orbit Launch")


def test_client_pages_tell_search_engines_not_to_index(campaign):
    client = Client()
    for page in CLIENT_PAGES:
        response = client.get(page.format(token=campaign.share_token))
        assert response.status_code == 200, page
        assert response["X-Robots-Tag"] == "noindex, nofollow", page
    missing = client.get("/socap/c/not-a-token/")
    assert missing.status_code == 404 and missing["X-Robots-Tag"] == "noindex, nofollow"


def staff_api(django_user_model) -> APIClient:
    staff = django_user_model.objects.create_user("ops", password="pw", is_staff=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    return api


def test_share_link_rotates_through_the_api(campaign, django_user_model):
    old = campaign.share_token
    api = staff_api(django_user_model)
    response = api.post(f"/socap/campaigns/{campaign.pk}/share-link/rotate")
    assert response.status_code == 200, response.content
    campaign.refresh_from_db()
    assert campaign.share_token != old
    assert response.json()["share_url"].endswith(f"/socap/c/{campaign.share_token}/")
    assert Client().get(f"/socap/c/{old}/").status_code == 404
    assert Client().get(f"/socap/c/{campaign.share_token}/").status_code == 200
    assert APIClient().post(f"/socap/campaigns/{campaign.pk}/share-link/rotate").status_code in (401, 403)
    assert api.post("/socap/campaigns/999999/share-link/rotate").status_code == 404


def test_share_link_expires_days_after_completion_when_configured(campaign, settings):
    url = f"/socap/c/{campaign.share_token}/report"
    campaign.status, campaign.completed_at = "completed", timezone.now() - dt.timedelta(days=10)
    campaign.save()
    settings.SOCAP_SHARE_LINK_EXPIRY_DAYS = 0  # default: never
    assert Client().get(url).status_code == 200
    settings.SOCAP_SHARE_LINK_EXPIRY_DAYS = 30
    assert Client().get(url).status_code == 200
    settings.SOCAP_SHARE_LINK_EXPIRY_DAYS = 7
    for page in CLIENT_PAGES:
        expired = Client().get(page.format(token=campaign.share_token))
        assert expired.status_code == 410, page
        assert "expired" in expired.content.decode()
