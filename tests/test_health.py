import pytest
from django.test import Client

from socap_project import mongo
from socap_project.health import HEARTBEAT_KEY
from tests.support.processes import mongo_process, mongo_uri, redis_process, redis_url


@pytest.fixture
def client():
    return Client()


@pytest.mark.django_db
def test_healthy_when_everything_answers(client, celery_worker, redis_conn, mongo_db):
    import time

    redis_conn.set(HEARTBEAT_KEY, time.time())
    response = client.get("/socap/health")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["components"]) == {"database", "mongo", "redis", "celery_worker", "celery_beat", "x_api_key"}


@pytest.mark.django_db
def test_redis_down_is_503_naming_redis(client, settings, tmp_path):
    redis = redis_process(tmp_path / "redis").start()
    settings.REDIS_URL = redis_url(redis.port)
    redis.stop()
    response = client.get("/socap/health")
    assert response.status_code == 503
    assert "redis" in response.json()["failing"]
    assert "mongo" not in response.json()["failing"]


@pytest.mark.django_db
def test_mongo_down_is_503_naming_mongo(client, settings, tmp_path):
    server = mongo_process(tmp_path / "mongo").start()
    settings.MONGODB_URI = mongo_uri(server.port)
    settings.MONGODB_TIMEOUT_MS = 500
    mongo.reset_client()
    try:
        server.stop()
        response = client.get("/socap/health")
        assert response.status_code == 503
        assert "mongo" in response.json()["failing"]
        assert "redis" not in response.json()["failing"]
    finally:
        mongo.reset_client()


@pytest.mark.django_db
def test_details_only_for_staff(client, django_user_model):
    anonymous = client.get("/socap/health").json()
    assert all(set(component) == {"ok"} for component in anonymous["components"].values())
    staff = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    detailed = client.get("/socap/health").json()
    assert all("detail" in component for component in detailed["components"].values())
