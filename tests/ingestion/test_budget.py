"""Live spend counters, the credit budget (80 % alert once, 100 % stop, raise to resume) and the 402 key state."""

import math

import pytest
from django.contrib.auth.models import User
from django.test import Client

from alerts.staff_budget_alert import send_budget_alert
from alerts.models import AlertHistory
from ingestion.polling.list_job import run_list_job
from ingestion.polling.metrics_job import run_metrics
from ingestion.polling.scheduler import LIST_JOBS
from socap_project import mongo
from tests.ingestion.helpers import TINY, poll_cycle, tiny_campaign

pytestmark = pytest.mark.django_db(transaction=True)
KEY = "test-key"


@pytest.fixture
def env(simulator, mongo_db, redis_conn, settings):
    settings.SOCAP_CADENCE_LAUNCH_HOURS = 1000  # every tweet every cycle: these tests count requests
    return simulator


@pytest.fixture
def staff():
    client = Client()
    client.force_login(User.objects.create_user("staff", is_staff=True, is_superuser=True))
    return client


def sim_spent(sim) -> int:
    return sim._get("/_sim/credits", key=KEY)["spent"]


def sim_requests(sim) -> int:
    return sum(v for k, v in sim.stats().items() if k.startswith("requests:"))


def emails(sinks, text: str) -> list:
    return [m for m in sinks.messages()["email"] if text in m.get("subject", "")]


def test_spend_counters_equal_the_providers_accounting_and_show_to_staff_only(env, staff):
    campaign = tiny_campaign()
    before = sim_spent(env)
    poll_cycle(campaign)
    env.advance(minutes=30)
    poll_cycle(campaign)
    spent = sim_spent(env) - before
    body = staff.get(f"/socap/campaigns/{campaign.pk}").json()["spend"]
    assert body["credits"] == spent > 0
    assert body["usd"] == round(spent / 100_000, 2)
    per_call = list(mongo.collection(mongo.API_USAGE).find({"campaign_id": campaign.mongo_id}))
    assert body["requests"] == len(per_call)
    assert sum(job["credits"] for job in body["by_job_type"].values()) == spent
    assert body["by_job_type"]["metrics"]["requests"] == 2
    assert sum(h["credits"] for h in body["per_hour"]) == spent
    assert body["projection"]["credits_at_end"] >= spent and body["projection"]["credits_per_hour"] > 0

    page = staff.get(f"/socap/campaigns/{campaign.pk}/").content.decode()
    assert "X API spend" in page and f"{spent:,} credits" in page and "Polled every" in page
    client_page = Client().get(f"/socap/c/{campaign.share_token}/").content.decode()
    assert "X API spend" not in client_page and "credits" not in client_page


def test_budget_warns_once_at_80_percent_stops_at_100_and_resumes_when_raised(env, staff, sinks, settings,
                                                                            eager_tasks):
    settings.SOCAP_STAFF_ALERT_EMAILS = ["ops@example.com"]
    campaign = tiny_campaign()
    poll_cycle(campaign)
    spent = sim_spent(env)
    # 85 % used: the next cycle's first check warns staff, once.
    response = staff.patch(f"/socap/campaigns/{campaign.pk}", {"credit_budget": math.ceil(spent / 0.85)},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["credit_budget"] == math.ceil(spent / 0.85)
    campaign.refresh_from_db()
    env.advance(minutes=30)
    poll_cycle(campaign)
    env.advance(minutes=30)
    poll_cycle(campaign)
    warnings = emails(sinks, "80% of the API budget spent")
    assert len(warnings) == 1 and warnings[0]["to"] == ["ops@example.com"]
    assert AlertHistory.objects.filter(campaign=campaign, action_type="budget_80", status="sent").count() == 1

    # Used up: no request at all, a visible reason everywhere, and one "stopped" alert.
    spent_now = staff.get(f"/socap/campaigns/{campaign.pk}").json()["spend"]["credits"]
    if spent_now < campaign.credit_budget:
        staff.patch(f"/socap/campaigns/{campaign.pk}", {"credit_budget": spent_now}, content_type="application/json")
    campaign.refresh_from_db()
    requests_before = sim_requests(env)
    env.advance(minutes=30)
    runs = poll_cycle(campaign)
    assert sim_requests(env) == requests_before
    assert "credit budget used up" in runs["metrics"].budget_blocked
    assert {runs[(t, job)].skipped for t in TINY for job in LIST_JOBS} <= {"budget", "unchanged"}
    detail = staff.get(f"/socap/campaigns/{campaign.pk}").json()["spend"]
    assert detail["blocked"] and "raise the budget" in detail["blocked_reason"]
    status = staff.get("/socap/workers/status").json()["blocked"]
    assert [row["campaign_id"] for row in status["campaigns"]] == [campaign.pk]
    assert "Polling blocked" in staff.get(f"/socap/campaigns/{campaign.pk}/").content.decode()
    assert "Polling blocked" in staff.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    assert len(emails(sinks, "API budget used up: polling stopped")) == 1
    # A redelivered alert task finds its history row and sends nothing.
    assert send_budget_alert(campaign.pk, 100, campaign.credit_budget, detail["credits"]) == []
    assert len(emails(sinks, "API budget used up")) == 1

    # Staff raise the budget: the next cycle polls again and the block is gone.
    staff.patch(f"/socap/campaigns/{campaign.pk}", {"credit_budget": detail["credits"] * 10},
                content_type="application/json")
    campaign.refresh_from_db()
    env.advance(minutes=30)
    runs = poll_cycle(campaign)
    assert runs["metrics"].budget_blocked is None and runs["metrics"].requests == 1
    assert sim_requests(env) > requests_before
    assert staff.get("/socap/workers/status").json()["blocked"]["campaigns"] == []


def test_budget_is_validated_the_same_way_by_the_api_and_the_create_page(env, staff):
    campaign = tiny_campaign()
    response = staff.patch(f"/socap/campaigns/{campaign.pk}", {"credit_budget": 0}, content_type="application/json")
    assert response.status_code == 400
    message = response.json()["errors"]["credit_budget"][0]
    assert message.startswith("A whole number of credits from 1")
    page = staff.post("/socap/create", {"credit_budget": "-5", "_validate": "credit_budget"},
                      headers={"HX-Request": "true"}).content.decode()
    assert message.split(" ($")[0] in page
    assert staff.patch(f"/socap/campaigns/{campaign.pk}", {"credit_budget": None},
                       content_type="application/json").json()["credit_budget"] is None


def test_a_402_blocks_every_campaign_on_the_key_visibly(env, staff):
    first, second = tiny_campaign(), tiny_campaign()
    env.faults([{"kind": "credits", "count": 1, "path": "/twitter/tweets"}])
    run = run_metrics(first.pk)
    assert "credits" in run.error.lower()
    requests_before = sim_requests(env)
    blocked = run_metrics(second.pk)
    for tweet_id in TINY:
        assert run_list_job(second.pk, tweet_id, "replies").skipped in {"budget", "unchanged"}
    assert sim_requests(env) == requests_before, "no campaign on the key may call the provider"
    assert "API key out of credits" in blocked.budget_blocked
    status = staff.get("/socap/workers/status").json()["blocked"]
    assert status["api_key"]["blocked"]
    assert {row["campaign_id"] for row in status["campaigns"]} == {first.pk, second.pk}
    for campaign in (first, second):
        assert staff.get(f"/socap/campaigns/{campaign.pk}").json()["spend"]["blocked"]
        assert "API key out of credits" in staff.get(f"/socap/campaigns/{campaign.pk}/").content.decode()


def test_budget_is_set_on_the_create_page_and_checked_in_the_admin(env, staff):
    from campaigns.models import Campaign
    from campaigns.validation import CREDIT_BUDGET_MESSAGE
    from tests.campaigns.test_pages import MAIN, form_data

    response = staff.post("/socap/create", form_data(credit_budget="250000"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Campaign.objects.get().credit_budget == 250_000
    admin_data = {
        "launch_name": "Admin launch", "client_name": "Orbit", "client_email": "team@orbit.example",
        "start_date_0": "2025-03-15", "start_date_1": "15:00:00", "end_date_0": "2025-03-18",
        "end_date_1": "15:00:00", "importance_threshold": "10", "category_thresholds": "{}",
        "action_thresholds": "{}", "channels": '["email"]', "extra_recipients": "[]",
        "frequency_window_minutes": "30", "alert_spacing_minutes": "20", "credit_budget": "0",
        "main_tweet_urls": f"https://x.com/a/status/{MAIN}", "influencer_tweet_urls": "", "investor_tweet_urls": "",
    }
    response = staff.post("/admin/campaigns/campaign/add/", admin_data)
    assert response.status_code == 200 and CREDIT_BUDGET_MESSAGE.split(" ($")[0] in response.content.decode()
    assert Campaign.objects.count() == 1
