"""A store away during a web request: 503 with Retry-After (API: its JSON error shape; pages: a small
page), never a bare 500. And the liveness probe answers with every store down."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from socap_project import mongo
from tests.factories import make_campaign
from tests.support.processes import mongo_process, mongo_uri, redis_process, redis_url


@pytest.fixture
def mongo_away(settings, tmp_path):
    """MongoDB that answered once and then stopped (a primary lost, an election under way)."""
    server = mongo_process(tmp_path / "mongo").start()
    settings.MONGODB_URI, settings.MONGODB_TIMEOUT_MS = mongo_uri(server.port), 500
    # A web request retries its reads until this deadline (25 s in production, to ride out an election).
    settings.MONGODB_WEB_TIMEOUT_MS = 1500
    mongo.reset_client()
    server.stop()
    yield
    mongo.reset_client()


@pytest.fixture
def redis_away(settings, tmp_path):
    server = redis_process(tmp_path / "redis").start()
    settings.REDIS_URL = redis_url(server.port)
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": settings.REDIS_URL}}
    server.stop()
    return server


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("ops", password="pw", is_staff=True)
    client = Client(headers={"Authorization": f"Token {Token.objects.create(user=user).key}"})
    client.force_login(user)
    return client


def assert_api_503(response):
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "15"
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["errors"]
    assert "Try again in 15 seconds" in response.json()["errors"]["detail"][0]


def assert_page_503(response):
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "15"
    assert response["Content-Type"].startswith("text/html")
    assert b"Back in a moment" in response.content


@pytest.mark.django_db
def test_mongo_away_answers_503_to_the_api_and_to_pages(staff, mongo_away):
    campaign = make_campaign()
    assert_api_503(staff.get(f"/socap/campaigns/{campaign.pk}/engagements"))
    assert_api_503(staff.get("/socap/workers/status"))
    assert_page_503(staff.get(f"/socap/campaigns/{campaign.pk}/"))
    assert_page_503(Client().get(f"/socap/c/{campaign.share_token}/"))


@pytest.mark.django_db
def test_redis_away_answers_503_to_the_api(staff, redis_away, mongo_db):
    assert_api_503(staff.get("/socap/workers/queue"))


@pytest.mark.django_db
def test_a_bad_query_stays_a_server_error():
    """Only unavailability is a 503: a programming error must still surface as one."""
    from socap_project.middleware import store_unavailable

    assert not store_unavailable(mongo.PyMongoError("bad query"))
    assert not store_unavailable(ValueError("bug"))
    assert not store_unavailable(mongo.DuplicateKeyError("dup"))


def test_liveness_answers_with_every_store_down(client, mongo_away, redis_away):
    """MongoDB and Redis stopped, and no database access allowed in this test (no django_db mark: any
    query raises): the probe asks no store at all, while the deep check reports them all."""
    response = client.get("/socap/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    deep = client.get("/socap/health")
    assert deep.status_code == 503
    assert {"database", "mongo", "redis"} <= set(deep.json()["failing"])
