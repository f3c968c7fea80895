"""API tokens reach only what they should: the JSON API is for staff users. Every documented
operation is called by an anonymous caller, a non-staff token and a staff token."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from campaigns.models import Campaign
from tests.factories import make_campaign
from tests.support.openapi import served_document

pytestmark = pytest.mark.django_db(transaction=True)

METHODS = ("get", "post", "put", "patch", "delete")
# Public by design: health (load balancers) and the trigger (its own shared-secret header).
PUBLIC = {("get", "/socap/health"), ("get", "/socap/health/live"), ("post", "/socap/workers/trigger")}


def operations() -> list[tuple[str, str]]:
    document = served_document()
    return sorted((method, path) for path, item in document["paths"].items() for method in item
                  if method in METHODS)


OPERATIONS = operations()


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def call(client: APIClient, method: str, path: str, campaign: Campaign):
    url = path.replace("{campaign_id}", str(campaign.pk)).replace("{user_id}", "1")
    body = {"campaign_id": campaign.pk} if path == "/socap/workers/run" else {}
    return getattr(client, method)(url, body, format="json")


@pytest.fixture
def campaign(mongo_db, redis_conn):
    return make_campaign()


def test_every_operation_is_listed():
    assert len(OPERATIONS) >= 19


@pytest.mark.parametrize("method, path", [op for op in OPERATIONS if op not in PUBLIC])
def test_anonymous_is_refused(method, path, campaign):
    response = call(client_for(), method, path, campaign)
    assert response.status_code == 401, (method, path, response.status_code)
    assert Campaign.objects.filter(pk=campaign.pk).exists()


@pytest.mark.parametrize("method, path", [op for op in OPERATIONS if op not in PUBLIC])
def test_a_non_staff_token_is_refused(method, path, campaign, django_user_model):
    user = django_user_model.objects.create_user("partner")
    before = Campaign.objects.values_list().get(pk=campaign.pk)
    response = call(client_for(user), method, path, campaign)
    assert response.status_code == 403, (method, path, response.status_code, response.content[:300])
    assert "staff" in response.json()["errors"]["detail"][0]
    assert Campaign.objects.values_list().get(pk=campaign.pk) == before  # nothing read into a change


@pytest.mark.parametrize("method, path", [op for op in OPERATIONS if op not in PUBLIC])
def test_a_staff_token_is_let_through(method, path, campaign, django_user_model, simulator):
    user = django_user_model.objects.create_user("staffer", is_staff=True)
    response = call(client_for(user), method, path, campaign)
    assert response.status_code not in (401, 403), (method, path, response.status_code, response.content[:300])


def test_the_document_itself_is_staff_only_and_says_so(django_user_model):
    assert client_for().get("/socap/openapi.json").status_code == 401
    assert client_for(django_user_model.objects.create_user("partner")).get("/socap/openapi.json").status_code == 403
    document = client_for(django_user_model.objects.create_user("staffer", is_staff=True)).get(
        "/socap/openapi.json").json()
    assert "staff" in document["info"]["description"]
    for method, path in OPERATIONS:
        if (method, path) not in PUBLIC:
            assert "staff" in document["paths"][path][method]["responses"]["403"]["description"], (method, path)
