"""Errors that say they are permanent: a tweet gone (404/protected) parks its jobs, a rejected key stops
the deployment; both are visible to staff and resume only when staff act (or the key changes)."""

import json
import logging

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from campaigns.models import Campaign
from ingestion.polling import parking
from xapi import get_client
from xapi.account import key_state
from xapi.account.fingerprint import fingerprint
from xapi.errors import NotFound, Unauthorized
from socap_project import mongo
from socap_project.health import run_checks
from tests.ingestion.helpers import TINY, poll_cycle, tiny_campaign

pytestmark = pytest.mark.django_db(transaction=True)
MAIN, INFLUENCER, INVESTOR = TINY
LISTS = ("retweets", "replies", "quotes")


@pytest.fixture
def env(simulator, mongo_db, redis_conn):
    yield simulator
    key_state.clear()


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True, is_superuser=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    client.force_login(user)
    return client


def states(campaign, tweet_id):
    return {s["job_type"]: s for s in mongo.collection(mongo.WORKER_STATE).find(
        {"campaign_id": campaign.mongo_id, "tweet_id": tweet_id})}


def provider_requests(sim) -> int:
    return sim.stats().get("requests", 0)


def test_simulator_faults_answer_like_the_provider(env):
    env.faults([{"kind": "not_found", "tweet_id": INFLUENCER, "count": None},
                {"kind": "unauthorized", "key": "revoked-key", "count": None}])
    client = get_client()
    assert set(client.get_tweets([MAIN, INFLUENCER])) == {MAIN}  # absent from the batch, as X does
    with pytest.raises(NotFound) as gone:
        client.get_replies_page(INFLUENCER)
    assert gone.value.permanent and gone.value.status == 404
    assert client.get_replies_page(MAIN).tweets  # other tweets unaffected
    body = env.http.get(f"{env.base_url}/twitter/tweet/quotes", params={"tweetId": MAIN},
                        headers={"X-API-Key": "revoked-key"}, timeout=5)
    assert body.status_code == 401 and body.json() == {"status": "error", "msg": "Unauthorized: invalid API key"}


def test_a_tweet_gone_parks_only_its_jobs_visibly_until_staff_recheck(env, staff, eager_tasks):
    campaign = tiny_campaign()
    # The influencer tweet went protected (absent from batches, 404 on lists); the investor
    # tweet's replies answer 404 while its metrics still come back.
    env.faults([{"kind": "not_found", "tweet_id": INFLUENCER, "count": None},
                {"kind": "not_found", "tweet_id": INVESTOR, "path": "/twitter/tweet/replies", "count": None}])
    runs = poll_cycle(campaign)
    assert runs["metrics"].missing == [INFLUENCER]
    assert all(runs[(INFLUENCER, job)].requests == 0 and runs[(INFLUENCER, job)].skipped == "blocked"
               for job in LISTS)
    assert runs[(INVESTOR, "replies")].error and runs[(INVESTOR, "quotes")].requests == 0
    for tweet_id in (INFLUENCER, INVESTOR):
        parked = states(campaign, tweet_id)
        assert set(parked) == {"metrics", *LISTS}
        assert all(s["parked"] and s["last_error"].startswith("parked: ") for s in parked.values())
    assert not any(s.get("parked") for s in states(campaign, MAIN).values())
    assert runs[(MAIN, "replies")].new > 0

    # Later cycles send nothing about the parked tweets: no request, no credits.
    env.advance(hours=2)
    runs = poll_cycle(campaign)
    assert INFLUENCER in runs["metrics"].skipped and INVESTOR in runs["metrics"].skipped
    assert all(runs[(t, job)].requests == 0 for t in (INFLUENCER, INVESTOR) for job in LISTS)
    assert runs["metrics"].polled == [MAIN]

    # Visible to staff: worker status, the staff dashboard's tweet table, the admin.
    status = staff.get("/socap/workers/status", {"campaign_id": campaign.mongo_id}).json()
    assert status["jobs"]["metrics"]["parked"] == 2 and status["jobs"]["replies"]["parked"] == 2
    reasons = {(p["tweet_id"], p["job_type"]): p["reason"] for p in status["parked"]}
    assert "deleted, or the account is protected" in reasons[(INFLUENCER, "metrics")]
    assert f"tweet {INVESTOR} not found" in reasons[(INVESTOR, "quotes")]
    page = staff.get(f"/socap/campaigns/{campaign.pk}/").content.decode()
    assert "<b>parked</b>" in page and f"tweet {INVESTOR} not found" in page
    admin_page = staff.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    assert "PARKED" in admin_page and "deleted, or the account is protected" in admin_page

    # Staff re-check: the tweet is back (the fault is gone); the admin action lifts the park and polls once.
    env.faults([])
    response = staff.post("/admin/campaigns/campaign/", {"action": "recheck_parked",
                                                          "_selected_action": [campaign.pk]})
    assert response.status_code == 302
    for tweet_id in (INFLUENCER, INVESTOR):
        after = states(campaign, tweet_id)
        assert not any(s.get("parked") or s.get("last_error") for s in after.values()), after
        assert all(s["last_success"] for s in after.values())
    assert staff.get("/socap/workers/status").json()["parked"] == []


def test_recheck_of_a_tweet_still_gone_parks_it_again(env, eager_tasks):
    campaign = tiny_campaign()
    env.faults([{"kind": "not_found", "tweet_id": INFLUENCER, "count": None}])
    poll_cycle(campaign)
    assert parking.recheck(campaign.pk, campaign.mongo_id) == [INFLUENCER]
    assert all(s["parked"] for s in states(campaign, INFLUENCER).values())


def test_a_rejected_key_stops_every_job_loudly_until_the_key_changes_or_staff_clear_it(env, staff, caplog,
                                                                                          settings):
    caplog.set_level(logging.DEBUG)
    campaign = tiny_campaign()
    env.faults([{"kind": "unauthorized", "key": "test-key", "count": None}])
    before = provider_requests(env)
    runs = poll_cycle(campaign)
    assert provider_requests(env) == before + 1  # the first 401; every other job sent nothing
    assert runs["metrics"].error == "not authorised: Unauthorized: invalid API key"
    assert all(runs[(t, job)].requests <= 1 and runs[(t, job)].error for t in TINY for job in LISTS)
    everything = [s for t in TINY for s in states(campaign, t).values()]
    assert all("deployment-wide" in s["last_error"] and not s.get("parked") for s in everything)

    stored = key_state.recorded()
    assert stored["fingerprint"] == fingerprint("test-key") and stored["status"] == 401
    assert "test-key" not in json.dumps(stored)
    [check] = run_checks(["x_api_key"])
    assert not check.ok and "rejected the configured key" in check.detail
    health = staff.get("/socap/health")
    assert health.status_code == 503 and "x_api_key" in health.json()["failing"]
    assert "rejected the configured key" in health.json()["components"]["x_api_key"]["detail"]
    status = staff.get("/socap/workers/status").json()
    assert status["api_key"]["rejected"] and "Polling is stopped" in status["api_key"]["reason"]

    env.advance(hours=1)
    poll_cycle(campaign)
    assert provider_requests(env) == before + 1  # stopped: no request, no credits
    with pytest.raises(Unauthorized, match="not sent"):
        get_client().get_tweets([MAIN])

    # A new key has another fingerprint: polling resumes by itself and the stale record goes.
    settings.X_API_KEY = "new-key"
    runs = poll_cycle(campaign)
    assert runs["metrics"].polled and runs["metrics"].error is None
    assert key_state.recorded() is None and run_checks(["x_api_key"])[0].ok

    # The old key again, still refused: stopped again; the provider re-enables it; staff clear the record.
    settings.X_API_KEY = "test-key"
    env.advance(hours=1)
    poll_cycle(campaign)
    assert key_state.current_status()["rejected"]
    env.faults([])
    env.advance(hours=1)
    stopped_at = provider_requests(env)
    poll_cycle(campaign)
    assert provider_requests(env) == stopped_at
    call_command("socap_clear_key_rejection")
    runs = poll_cycle(campaign)
    assert runs["metrics"].polled and provider_requests(env) > stopped_at
    assert staff.get("/socap/health").json()["components"]["x_api_key"]["ok"]

    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.ACTIVE
    assert "test-key" not in caplog.text and "new-key" not in caplog.text
