import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from campaigns.models import Campaign
from ingestion.polling import scheduler
from ingestion.polling.worker_state import create_states
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_user_model):
    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def queued_tasks(redis_conn) -> list[str]:
    import json

    names = []
    for key in redis_conn.keys("celery*"):
        if redis_conn.type(key) == b"list":
            names += [json.loads(raw)["headers"]["task"] for raw in redis_conn.lrange(key, 0, -1)]
    return names


def test_trigger_requires_the_shared_secret(settings, redis_conn):
    settings.SOCAP_TRIGGER_SECRET = "s3cret"
    client = APIClient()
    assert client.post("/socap/workers/trigger").status_code == 403
    assert client.post("/socap/workers/trigger", HTTP_X_SOCAP_TRIGGER_SECRET="wrong").status_code == 403
    assert queued_tasks(redis_conn) == []


def test_trigger_fans_out_only_pollable_campaigns(settings, redis_conn):
    settings.SOCAP_TRIGGER_SECRET = "s3cret"
    now = timezone.now()
    active = make_campaign(tweets={"main_twt": 2, "investor_twt": 1})
    make_campaign(status=Campaign.Status.PAUSED)
    make_campaign(status=Campaign.Status.COMPLETED)
    make_campaign(start_date=now + dt.timedelta(days=1), end_date=now + dt.timedelta(days=2))
    make_campaign(start_date=now - dt.timedelta(days=4), end_date=now - dt.timedelta(days=1))
    response = APIClient().post("/socap/workers/trigger", HTTP_X_SOCAP_TRIGGER_SECRET="s3cret")
    assert response.status_code == 202
    assert response.json() == {"campaigns": 1, "jobs": 1 + 3 * 3, "already_polled_this_interval": False}
    assert queued_tasks(redis_conn) == ["socap.ingestion.poll_metrics"]
    again = APIClient().post("/socap/workers/trigger", HTTP_X_SOCAP_TRIGGER_SECRET="s3cret").json()
    assert again["already_polled_this_interval"] is True and again["jobs"] == 0
    assert queued_tasks(redis_conn) == ["socap.ingestion.poll_metrics"]
    assert list(scheduler.pollable_campaigns()) == [active]


def test_status_and_queue_need_credentials(redis_conn):
    client = APIClient()
    for path in ("/socap/workers/status", "/socap/workers/queue"):
        assert client.get(path).status_code in (401, 403)
    assert client.post("/socap/workers/run", {"campaign_id": 1}, format="json").status_code in (401, 403)


def test_status_summarises_worker_state(api, mongo_db, redis_conn):
    campaign = make_campaign(tweets={"main_twt": 2})
    create_states(campaign.mongo_id, list(campaign.tweets.values_list("tweet_id", flat=True)))
    mongo_db.worker_state.update_one(
        {"job_type": "retweets"},
        {"$set": {"blocked_until": timezone.now() + dt.timedelta(minutes=5), "last_error": "RateLimited: 429"}},
    )
    body = api.get("/socap/workers/status").json()
    assert body["jobs"]["retweets"]["states"] == 2
    assert body["jobs"]["retweets"]["blocked"] == 1
    assert body["jobs"]["retweets"]["with_error"] == 1
    assert body["jobs"]["metrics"]["blocked"] == 0
    assert body["recent_errors"][0]["last_error"] == "RateLimited: 429"


def test_queue_counts_broker_messages(api, mongo_db, redis_conn):
    campaign = make_campaign(tweets={"main_twt": 1})
    scheduler.enqueue_lists(campaign.pk)
    body = api.get("/socap/workers/queue").json()
    assert body["queued"] == 3
    assert body["queued_by_priority"]["2"] == 1 and body["queued_by_priority"]["3"] == 2
    assert body["queued_control"] == 0


def test_control_tasks_wait_on_their_own_queue_ahead_of_list_jobs(api, redis_conn):
    from alerts.tasks import send_due_alerts
    from socap_project.tasks import heartbeat

    heartbeat.delay()
    send_due_alerts.delay()
    body = api.get("/socap/workers/queue").json()
    assert body["queued_control"] == 2 and body["queued"] == 0
    assert redis_conn.llen("control") == 2  # priority 0: polled before any list job's priority


def test_run_is_staff_only_and_validates(api, django_user_model, redis_conn):
    campaign = make_campaign(tweets={"main_twt": 1})
    assert api.post("/socap/workers/run", {}, format="json").status_code == 400
    assert api.post("/socap/workers/run", {"campaign_id": 99999}, format="json").status_code == 404
    bad_tweet = api.post("/socap/workers/run", {"campaign_id": campaign.pk, "tweet_id": "1"}, format="json")
    assert bad_tweet.status_code == 400
    ok = api.post("/socap/workers/run", {"campaign_id": campaign.pk}, format="json")
    assert ok.status_code == 202
    plain = django_user_model.objects.create_user("client", password="pw")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=plain).key}")
    assert other.post("/socap/workers/run", {"campaign_id": campaign.pk}, format="json").status_code == 403
