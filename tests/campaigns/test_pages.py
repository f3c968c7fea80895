import pytest
from django.test import Client

from campaigns.models import Campaign
from socap_project import mongo

pytestmark = pytest.mark.django_db(transaction=True)

MAIN, INFLUENCER, PROTECTED = "1900000000000000101", "1900000000000000102", "1900000000000000199"


@pytest.fixture
def staff(django_user_model, simulator, mongo_db, redis_conn):
    user = django_user_model.objects.create_superuser("staff", "s@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def form_data(**overrides):
    data = {
        "launch_name": "Orbit launch", "client_name": "Orbit", "client_email": "team@orbit.example",
        "start_date": "2025-03-15T15:00", "end_date": "2025-03-18T15:00", "importance_threshold": "10",
        "channels": ["email"], "slack_webhook_url": "", "extra_recipients": "",
        "frequency_window_minutes": "30", "alert_spacing_minutes": "20", "spike_factor": "3", "spike_min_engagements": "10", "cpm_usd": "",
        "tweets_main_twt": [f"https://x.com/orbitlabs/status/{MAIN}"],
        "tweets_influencer_twt": [f"https://x.com/a/status/{INFLUENCER}", ""],
        "tweets_investor_twt": [""],
    }
    data.update(overrides)
    return data


def test_create_page_needs_staff(simulator):
    response = Client().get("/socap/create")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_create_page_creates_and_redirects(staff):
    page = staff.get("/socap/create")
    assert page.status_code == 200 and b"Tweets to watch" in page.content
    response = staff.post("/socap/create", form_data())
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/socap/campaigns/{campaign.pk}/"
    assert sorted(campaign.tweets.values_list("category", flat=True)) == ["influencer_twt", "main_twt"]
    assert mongo.collection(mongo.WORKER_STATE).count_documents({"campaign_id": campaign.mongo_id}) == 8


def test_staff_create_page_shows_errors_next_to_fields_and_rows(staff):
    response = staff.post("/socap/create", form_data(
        end_date="2025-03-14T15:00", tweets_main_twt=[f"https://x.com/a/status/{PROTECTED}", "https://x.com/nope"]))
    html = response.content.decode()
    assert response.status_code == 400
    assert "End date must be after the start date." in html
    assert "Not a tweet URL" in html
    assert Campaign.objects.count() == 0
    response = staff.post("/socap/create", form_data(tweets_main_twt=[f"https://x.com/a/status/{PROTECTED}"]))
    assert "was not found or is not accessible" in response.content.decode()


def test_htmx_field_validation_and_new_rows(staff):
    headers = {"HX-Request": "true"}
    email = staff.post("/socap/create", form_data(client_email="bad", _validate="client_email"), headers=headers)
    assert email.status_code == 200
    assert 'id="field-client_email"' in email.content.decode() and "valid email" in email.content.decode()
    assert "Launch" not in email.content.decode()  # only the field, not the page
    row = staff.post("/socap/create", {"_validate": "tweets_main_twt", "value": "https://example.com/x"},
                     headers=headers)
    assert "is not x.com or twitter.com" in row.content.decode()
    extra = staff.get("/socap/create/tweet-row?category=investor_twt", headers=headers)
    assert 'name="tweets_investor_twt"' in extra.content.decode()
    assert staff.get("/socap/create/tweet-row?category=nope").status_code == 400


def test_admin_add_form_resolves_urls_per_line(staff):
    data = {
        "launch_name": "Admin launch", "client_name": "Orbit", "client_email": "team@orbit.example",
        "start_date_0": "2025-03-15", "start_date_1": "15:00:00", "end_date_0": "2025-03-18",
        "end_date_1": "15:00:00", "importance_threshold": "10", "category_thresholds": "{}",
        "action_thresholds": "{}", "channels": '["email"]', "extra_recipients": "[]",
        "frequency_window_minutes": "30", "alert_spacing_minutes": "20", "spike_factor": "3", "spike_min_engagements": "10",
        "main_tweet_urls": f"https://x.com/a/status/{MAIN}\nhttps://x.com/a/status/{PROTECTED}",
        "influencer_tweet_urls": "", "investor_tweet_urls": "",
    }
    response = staff.post("/admin/campaigns/campaign/add/", data)
    assert response.status_code == 200 and "Line 2: Tweet 1900000000000000199 was not found" in response.content.decode()
    assert Campaign.objects.count() == 0
    data["main_tweet_urls"] = f"https://x.com/a/status/{MAIN}"
    response = staff.post("/admin/campaigns/campaign/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get()
    change = staff.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    assert "Worker state" in change and MAIN in change and f"/socap/c/{campaign.share_token}/" in change


def test_admin_actions_pause_resume_and_rotate(staff):
    staff.post("/socap/create", form_data())
    campaign = Campaign.objects.get()
    url = "/admin/campaigns/campaign/"
    staff.post(url, {"action": "pause", "_selected_action": [campaign.pk]})
    assert Campaign.objects.get().status == "paused"
    staff.post(url, {"action": "resume", "_selected_action": [campaign.pk]})
    assert Campaign.objects.get().status == "active"
    old = campaign.share_token
    staff.post(url, {"action": "rotate_share_link", "_selected_action": [campaign.pk]})
    assert Campaign.objects.get().share_token != old
    listing = staff.get(url + "?status__exact=active").content.decode()
    assert "Orbit launch" in listing
