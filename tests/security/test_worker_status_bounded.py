"""GET /socap/workers/status without campaign_id reads a bounded number of worker states, whatever
the size of the collection; with campaign_id the counts stay exact."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from socap_project import mongo

pytestmark = pytest.mark.django_db


def seed(count: int) -> None:
    now = timezone.now()
    mongo.collection(mongo.WORKER_STATE).insert_many([
        {"campaign_id": f"c{index % 3}", "tweet_id": str(index), "job_type": "metrics",
         "last_success": now - dt.timedelta(minutes=index), "last_error": "HTTP 500" if index % 2 else None,
         "blocked_until": now + dt.timedelta(minutes=5), "lease_until": now + dt.timedelta(minutes=1),
         "backfill_done": True, "parked": None, "retry_count": 0, "updated_at": now}
        for index in range(count)])


def test_global_worker_status_counts_are_capped(mongo_db, redis_conn, django_user_model, settings):
    settings.SOCAP_WORKER_STATUS_COUNT_CAP = 10
    seed(60)
    staff = django_user_model.objects.create_user("ops", password="pw", is_staff=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    metrics = api.get("/socap/workers/status").json()["jobs"]["metrics"]
    assert metrics["states"] == 10 and metrics["blocked"] == 10 and metrics["running"] == 10
    assert metrics["with_error"] == 10
    assert metrics["capped"] is True  # "at least": the page says so instead of counting everything
    assert metrics["last_success"] is not None
    one = api.get("/socap/workers/status", {"campaign_id": "c1"}).json()["jobs"]["metrics"]
    assert one["states"] == 20 and one["with_error"] == 10 and one["capped"] is False
    queue = api.get("/socap/workers/queue").json()
    assert queue["running_jobs"] == 10
