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
        "frequency_window_minutes": "30", "alert_spacing_minutes": "20", "spike_factor": "3",
        "spike_min_engagements": "10", "cpm_usd": "",
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
        "end_date_1": "15:00:00", "importance_threshold": "10", "channels": ["email"], "extra_recipients": "",
        "frequency_window_minutes": "30", "alert_spacing_minutes": "20", "spike_factor": "3",
        "spike_min_engagements": "10",
        "main_tweet_urls": f"https://x.com/a/status/{MAIN}\nhttps://x.com/a/status/{PROTECTED}",
        "influencer_tweet_urls": "", "investor_tweet_urls": "",
    }
    response = staff.post("/admin/campaigns/campaign/add/", data)
    assert response.status_code == 200
    assert "Line 2: Tweet 1900000000000000199 was not found" in response.content.decode()
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


THRESHOLD_WIDGETS = {"threshold_main_twt": ("category_thresholds", "main_twt"),
                     "threshold_influencer_twt": ("category_thresholds", "influencer_twt"),
                     "threshold_investor_twt": ("category_thresholds", "investor_twt"),
                     "threshold_retweet": ("action_thresholds", "retweet"),
                     "threshold_reply": ("action_thresholds", "reply"),
                     "threshold_quote": ("action_thresholds", "quote")}


def admin_add_data(**overrides):
    data = {
        "launch_name": "Widget launch", "client_name": "Orbit", "client_email": "team@orbit.example",
        "start_date_0": "2025-03-15", "start_date_1": "15:00:00", "end_date_0": "2025-03-18",
        "end_date_1": "15:00:00", "importance_threshold": "10", "channels": ["slack", "email"],
        "slack_webhook_url": "https://hooks.slack.com/services/T/B/WIDGET",
        "extra_recipients": "ops@example.com, cmo@example.com\nboard@example.com",
        "frequency_window_minutes": "30", "alert_spacing_minutes": "20", "spike_factor": "3",
        "spike_min_engagements": "10",
        "main_tweet_urls": f"https://x.com/a/status/{MAIN}", "influencer_tweet_urls": "", "investor_tweet_urls": "",
        **{name: "" for name in THRESHOLD_WIDGETS},
    }
    data.update(overrides)
    return data


def change_data(page: str) -> dict:
    """What the browser would post back from the change form: every widget's current value."""
    import re

    data = {}
    for name, value in re.findall(r'<input type="(?:text|number|url|email|hidden)" name="([^"]+)" value="([^"]*)"',
                                  page):
        data[name] = value
    data["channels"] = re.findall(r'name="channels" value="([^"]+)"[^>]*checked', page)
    data["extra_recipients"] = re.search(r'<textarea name="extra_recipients"[^>]*>\n?([^<]*)</textarea>',
                                         page).group(1).replace("&#x27;", "'")
    for field in ("main_tweet_urls", "influencer_tweet_urls", "investor_tweet_urls"):
        data[field] = ""
    return data


@pytest.mark.parametrize("widget", list(THRESHOLD_WIDGETS))
def test_admin_threshold_widgets_round_trip(staff, widget):
    kind, key = THRESHOLD_WIDGETS[widget]
    response = staff.post("/admin/campaigns/campaign/add/", admin_add_data(**{widget: "4.5"}))
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get()
    assert getattr(campaign, kind) == {key: 4.5}
    other = "action_thresholds" if kind == "category_thresholds" else "category_thresholds"
    assert getattr(campaign, other) == {}
    assert campaign.channels == ["slack", "email"]
    assert campaign.extra_recipients == ["ops@example.com", "cmo@example.com", "board@example.com"]

    url = f"/admin/campaigns/campaign/{campaign.pk}/change/"
    page = staff.get(url).content.decode()
    assert f'name="{widget}" value="4.5"' in page
    assert 'type="checkbox" name="channels" value="slack"' in page and "[&quot;slack&quot;" not in page
    # Saving the form as shown changes nothing.
    data = change_data(page)
    assert staff.post(url, data).status_code == 302
    campaign.refresh_from_db()
    assert getattr(campaign, kind) == {key: 4.5} and getattr(campaign, other) == {}
    assert campaign.extra_recipients == ["ops@example.com", "cmo@example.com", "board@example.com"]
    # Emptying the widget goes back to the campaign threshold.
    assert staff.post(url, {**data, widget: ""}).status_code == 302
    campaign.refresh_from_db()
    assert getattr(campaign, kind) == {}
    assert campaign.threshold_for(key if kind == "category_thresholds" else "main_twt",
                                  key if kind == "action_thresholds" else "retweet") == 10


def test_admin_widgets_show_the_api_messages(staff):
    response = staff.post("/admin/campaigns/campaign/add/", admin_add_data(
        threshold_quote="-1", threshold_investor_twt="-2", extra_recipients="ok@example.com\nnot-an-address"))
    html = response.content.decode()
    assert response.status_code == 200 and Campaign.objects.count() == 0
    assert html.count("Must be zero or more.") == 2
    assert "Invalid email address &#x27;not-an-address&#x27;." in html


def test_admin_shows_slack_waiting_and_setting_the_webhook_starts_slack(staff):
    response = staff.post("/admin/campaigns/campaign/add/", admin_add_data(slack_webhook_url=""))
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get()
    assert campaign.slack_waiting
    url = f"/admin/campaigns/campaign/{campaign.pk}/change/"
    page = staff.get(url).content.decode()
    assert "Slack is waiting for a webhook" in page and "Waiting for a webhook." in page
    assert "slack (waiting for a webhook)" in staff.get("/admin/campaigns/campaign/").content.decode()
    assert "Slack is waiting for a webhook." in staff.get(f"/socap/campaigns/{campaign.pk}/").content.decode()
    assert "Slack is waiting" not in Client().get(f"/socap/c/{campaign.share_token}/").content.decode()
    data = change_data(page)
    data["slack_webhook_url"] = "https://hooks.slack.com/services/T/B/NEW"
    assert staff.post(url, data).status_code == 302
    campaign.refresh_from_db()
    assert not campaign.slack_waiting and campaign.slack_webhook_url.endswith("/NEW")
    assert "Slack is waiting" not in staff.get(url).content.decode()
