"""A crafted paging cursor is a bad request (400), never a server error."""

import base64
import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import make_campaign

pytestmark = pytest.mark.django_db


def cursor(key) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


@pytest.mark.parametrize(("sort", "key"), [
    ("timestamp", [2**63]), ("timestamp", [2**64 + 5]), ("timestamp", [-(2**63) - 1]),
    ("importance_score", [1.5, 2**63]), ("importance_score", [1e308 * 10, 1]),
])
def test_out_of_range_cursor_is_400(mongo_db, redis_conn, django_user_model, sort, key):
    campaign = make_campaign()
    staff = django_user_model.objects.create_user("ops", password="pw", is_staff=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    raw = cursor(key).replace("Infinity", "1e999")
    response = api.get(f"/socap/campaigns/{campaign.pk}/engagements", {"sort": sort, "cursor": raw})
    assert response.status_code == 400, response.content[:300]
    page = Client().get(f"/socap/c/{campaign.share_token}/", {"sort": sort, "cursor": raw})
    assert page.status_code == 400
