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


@pytest.mark.django_db
def test_anonymous_calls_share_one_check_per_10_seconds(client, django_user_model, monkeypatch, redis_conn):
    """A probe hammering /socap/health broadcasts one Celery ping per 10 s per process, not one per call."""
    from socap_project import health
    from socap_project.celery import app

    pings = []
    real_ping = app.control.ping
    monkeypatch.setattr(app.control, "ping", lambda **kw: pings.append(kw) or real_ping(**kw))
    clock = [1000.0]
    monkeypatch.setattr(health, "_now", lambda: clock[0])
    for _ in range(5):
        assert set(client.get("/socap/health").json()["components"]) >= {"celery_worker", "redis"}
    assert len(pings) == 1
    clock[0] += 9.9
    client.get("/socap/health")
    assert len(pings) == 1
    clock[0] += 0.2  # the answer is now 10.1 s old
    client.get("/socap/health")
    assert len(pings) == 2
    staff = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    client.get("/socap/health")
    assert len(pings) == 3  # staff get a fresh check


@pytest.mark.django_db
def test_cached_answer_turns_unhealthy_within_10_seconds(client, settings, tmp_path, monkeypatch):
    from socap_project import health

    redis = redis_process(tmp_path / "redis").start()
    settings.REDIS_URL = redis_url(redis.port)
    clock = [1000.0]
    monkeypatch.setattr(health, "_now", lambda: clock[0])
    assert "redis" not in client.get("/socap/health").json()["failing"]
    redis.stop()
    clock[0] += 10
    assert "redis" in client.get("/socap/health").json()["failing"]


def test_liveness_asks_nothing_and_refuses_other_methods(client):
    assert client.get("/socap/health/live").json() == {"status": "ok"}
    assert client.post("/socap/health/live").status_code == 405
