import copy
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from rest_framework.authtoken.models import Token
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.models import Campaign, TrackedTweet
from ingestion.storing.engagements import reserve_seq
from ingestion.polling.metrics_job import run_metrics
from socap_project import mongo
from tests.support.processes import mongo_process, mongo_uri

pytestmark = pytest.mark.django_db(transaction=True)

MAIN, INFLUENCER, INVESTOR, PROTECTED = ("1900000000000000101", "1900000000000000102", "1900000000000000103",
                                         "1900000000000000199")
CREATE_BODY = {
    "launch_name": "Product Launch Q1 2025",
    "client_info": {"name": "Client Company", "email": "client@example.com"},
    "maintweets": [{"url": f"https://twitter.com/orbitlabs/status/{MAIN}"}],
    "influencer_twts": [{"url": f"https://x.com/someone/status/{INFLUENCER}?s=20"}],
    "investor_twts": [{"url": f"https://x.com/i/web/status/{INVESTOR}"}],
    "monitor_window": {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-01-04T00:00:00Z"},
    "alert_preferences": {"importance_threshold": 10, "channels": ["slack", "email"],
                          "slack_webhook_url": "https://hooks.slack.com/services/T/B/X",
                          "frequency_window_minutes": 30, "alert_spacing_minutes": 20},
}


@pytest.fixture
def api(django_user_model, simulator, mongo_db, redis_conn):
    user = django_user_model.objects.create_user("integrator", password="pw", is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def body(**changes):
    data = copy.deepcopy(CREATE_BODY)
    for path, value in changes.items():
        target, *rest = path.split("__")
        if rest:
            data[target][rest[0]] = value
        elif value is None:
            data.pop(target)
        else:
            data[target] = value
    return data


def nothing_stored():
    return (Campaign.objects.count(), TrackedTweet.objects.count(),
            mongo.collection(mongo.WORKER_STATE).count_documents({})) == (0, 0, 0)


# The reference create body of docs/api.md exactly: channels slack and email, no webhook field.
REFERENCE_BODY = {
    "launch_name": "Product Launch Q1 2025",
    "client_info": {"name": "Client Company", "email": "client@example.com"},
    "maintweets": [{"url": f"https://twitter.com/user/status/{MAIN}"}],
    "influencer_twts": [{"url": f"https://twitter.com/user/status/{INFLUENCER}"}],
    "investor_twts": [{"url": f"https://twitter.com/user/status/{INVESTOR}"}],
    "monitor_window": {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-01-04T00:00:00Z"},
    "alert_preferences": {"importance_threshold": 10, "channels": ["slack", "email"],
                          "frequency_window_minutes": 30, "alert_spacing_minutes": 20},
}


def _queue_important_engagement(campaign, user_id, hours_ago=0):
    from alerts.queueing import queue_for_run
    from tests.factories import engagement_doc

    tweet = campaign.tweets.get(category="main_twt")
    doc = engagement_doc(campaign, tweet, user_id, "retweet", importance=50, username=f"vip{user_id}",
                         category="vcs")
    mongo.collection(mongo.ENGAGEMENTS).insert_one(doc)
    assert queue_for_run(campaign, [doc], f"run-{user_id}") == 1
    if hours_ago:
        mongo.collection(mongo.ALERT_QUEUE).update_one(
            {"user_id": user_id}, {"$set": {"created_at": timezone.now() - dt.timedelta(hours=hours_ago)}})
    mongo.collection(mongo.ALERT_QUEUE).update_many({}, {"$set": {"scheduled_send_time": timezone.now()}})


def test_the_reference_body_exactly_is_accepted_and_slack_waits_for_a_webhook(api, sinks, settings):
    from alerts.models import AlertHistory
    from alerts.sender import send_due

    settings.SITE_URL = "https://socap.example.com"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "internal-web"]
    response = api.post("/socap/campaigns", REFERENCE_BODY, format="json", HTTP_HOST="internal-web:8000")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["alert_preferences"]["channels"] == ["slack", "email"]
    assert data["alert_preferences"]["slack_status"] == "waiting_for_webhook"
    assert [w["code"] for w in data["warnings"]] == ["slack_waiting_for_webhook"]
    assert data["warnings"][0]["field"] == "alert_preferences.slack_webhook_url"
    assert "Email alerts go out meanwhile" in data["warnings"][0]["message"]
    # The share link uses the configured public address, not the Host the request came in on.
    assert data["share_url"] == f"https://socap.example.com/socap/c/{Campaign.objects.get().share_token}/"

    campaign = Campaign.objects.get()
    _queue_important_engagement(campaign, "1")
    _queue_important_engagement(campaign, "2", hours_ago=30)  # too old to be news once Slack is set
    report = send_due()
    assert (report.sent, report.waiting) == (2, 0)
    assert len(sinks.messages()["email"]) == 2 and sinks.messages()["slack"] == []
    held = list(mongo.collection(mongo.ALERT_QUEUE).find())
    assert all(item["status"] == "sent" and item["waiting_channels"] == ["slack"] for item in held)
    assert api.get(f"/socap/campaigns/{campaign.pk}").json()["warnings"][0]["code"] == "slack_waiting_for_webhook"

    patched = api.patch(f"/socap/campaigns/{campaign.pk}",
                        {"alert_preferences": {"slack_webhook_url": sinks.webhook}}, format="json").json()
    assert patched["warnings"] == [] and patched["alert_preferences"]["slack_status"] == "webhook"
    mongo.collection(mongo.ALERT_QUEUE).update_many({"status": "pending"},
                                                    {"$set": {"scheduled_send_time": timezone.now()}})
    report = send_due()
    assert report.sent == 1
    slack = sinks.messages()["slack"]
    assert len(slack) == 1 and slack[0]["text"].startswith("Investor @vip1 ")
    assert len(sinks.messages()["email"]) == 2  # email is not sent a second time
    old = mongo.collection(mongo.ALERT_QUEUE).find_one({"user_id": "2"})
    assert old["waiting_channels"] == [] and "more than 24 h old" in old["slack_skip_reason"]
    assert set(AlertHistory.objects.values_list("channel", "user_id")) == {
        ("email", "1"), ("email", "2"), ("slack", "1")}


def test_slack_only_campaign_holds_alerts_until_the_default_webhook_is_configured(api, sinks, settings):
    from alerts.sender import send_due
    from campaigns.services import CampaignChanges, update_campaign

    created = api.post("/socap/campaigns", {**REFERENCE_BODY, "alert_preferences": {"channels": ["slack"]}},
                       format="json").json()
    campaign = Campaign.objects.get(pk=created["id"])
    _queue_important_engagement(campaign, "3")
    assert send_due().waiting == 1
    assert mongo.collection(mongo.ALERT_QUEUE).find_one()["status"] == "waiting"
    settings.SOCAP_DEFAULT_SLACK_WEBHOOK_URL = sinks.webhook
    assert api.get(f"/socap/campaigns/{campaign.pk}").json()["alert_preferences"]["slack_status"] == \
        "default_webhook"
    update_campaign(campaign, CampaignChanges(alerts={"alert_spacing_minutes": 1}))  # e.g. saved in the admin
    mongo.collection(mongo.ALERT_QUEUE).update_many({}, {"$set": {"scheduled_send_time": timezone.now()}})
    assert send_due().sent == 1
    assert len(sinks.messages()["slack"]) == 1


def test_default_webhook_from_settings(api, settings):
    settings.SOCAP_DEFAULT_SLACK_WEBHOOK_URL = "https://hooks.slack.com/services/T/B/DEFAULT"
    data = api.post("/socap/campaigns", REFERENCE_BODY, format="json").json()
    assert data["alert_preferences"]["slack_status"] == "default_webhook"
    assert [w["code"] for w in data["warnings"]] == ["slack_default_webhook"]
    assert "DEFAULT" not in json.dumps(data)
    assert Campaign.objects.get().slack_webhook() == settings.SOCAP_DEFAULT_SLACK_WEBHOOK_URL


def test_create_with_a_full_body(api):
    response = api.post("/socap/campaigns", CREATE_BODY, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "active"
    assert {(t["tweet_id"], t["category"]) for t in data["tweets"]} == {
        (MAIN, "main_twt"), (INFLUENCER, "influencer_twt"), (INVESTOR, "investor_twt")}
    assert next(t for t in data["tweets"] if t["tweet_id"] == MAIN)["author_username"] == "orbitlabs"
    assert "hooks.slack.com" not in json.dumps(data)
    states = list(mongo.collection(mongo.WORKER_STATE).find({"campaign_id": str(data["id"])}))
    assert len(states) == 12
    assert all(s["cursor"] is None and s["last_success"] is None for s in states)
    assert data["share_url"].endswith(f"/socap/c/{Campaign.objects.get().share_token}/")


def test_requires_a_token(simulator):
    assert APIClient().post("/socap/campaigns", CREATE_BODY, format="json").status_code == 401
    assert APIClient().get("/socap/campaigns").status_code == 401


BAD = [
    ("malformed json", None, "body"),
    ("unknown category key", body(founder_twts=[{"url": "https://x.com/a/status/1"}]), "founder_twts"),
    ("missing launch name", body(launch_name=None), "launch_name"),
    ("blank launch name", body(launch_name="  "), "launch_name"),
    ("no tweets", body(maintweets=None, influencer_twts=None, investor_twts=None), "tweets"),
    ("non-tweet url", body(maintweets=[{"url": "https://x.com/orbitlabs"}]), "maintweets[0].url"),
    ("duplicate url", body(investor_twts=[{"url": f"https://x.com/a/status/{MAIN}"}]), "investor_twts[0].url"),
    ("end before start", body(monitor_window__end_date="2024-12-31T00:00:00Z"), "monitor_window.end_date"),
    ("window too long", body(monitor_window__end_date="2025-06-01T00:00:00Z"), "monitor_window.end_date"),
    ("negative threshold", body(alert_preferences={"importance_threshold": -1}),
     "alert_preferences.importance_threshold"),
    ("unknown channel", body(alert_preferences={"channels": ["sms"]}), "alert_preferences.channels"),
    ("bad webhook url", body(alert_preferences={"channels": ["slack"], "slack_webhook_url": "hooks/x"}),
     "alert_preferences.slack_webhook_url"),
    # Type strictness: the documented JSON type or a 400, never a silent conversion.
    ("integer launch name", body(launch_name=5), "launch_name"),
    ("boolean launch name", body(launch_name=True), "launch_name"),
    ("integer client name", body(client_info={"name": 7, "email": "client@example.com"}), "client_info.name"),
    ("integer url", body(maintweets=[{"url": 1900000000000000101}]), "maintweets.0.url"),
    ("string threshold", body(alert_preferences={"importance_threshold": "10"}),
     "alert_preferences.importance_threshold"),
    ("boolean threshold", body(alert_preferences={"importance_threshold": True}),
     "alert_preferences.importance_threshold"),
    ("string category threshold", body(alert_preferences={"category_thresholds": {"main_twt": "5"}}),
     "alert_preferences.category_thresholds.main_twt"),
    ("string window minutes", body(alert_preferences={"frequency_window_minutes": "30"}),
     "alert_preferences.frequency_window_minutes"),
    ("fractional spacing", body(alert_preferences={"alert_spacing_minutes": 2.5}),
     "alert_preferences.alert_spacing_minutes"),
    ("boolean spacing", body(alert_preferences={"alert_spacing_minutes": False}),
     "alert_preferences.alert_spacing_minutes"),
    ("integer channel", body(alert_preferences={"channels": [1]}), "alert_preferences.channels.0"),
    ("integer recipient", body(alert_preferences={"extra_recipients": [5]}), "alert_preferences.extra_recipients.0"),
    ("string cpm", body(cpm_usd="6.5"), "cpm_usd"),
    ("integer date", body(monitor_window__start_date=1735689600), "monitor_window.start_date"),
    ("invalid email", body(client_info={"name": "C", "email": "nope"}), "client_info.email"),
    ("protected tweet", body(influencer_twts=[{"url": f"https://x.com/a/status/{PROTECTED}"}]),
     "influencer_twts[0].url"),
    ("unknown tweet", body(investor_twts=[{"url": "https://x.com/a/status/42"}]), "investor_twts[0].url"),
]


@pytest.mark.parametrize(("case", "payload", "field"), BAD, ids=[case for case, _, _ in BAD])
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(api, case, payload, field):
    if payload is None:
        response = api.post("/socap/campaigns", "{not json", content_type="application/json")
    else:
        response = api.post("/socap/campaigns", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert nothing_stored()


def test_oversized_payload(api, settings):
    settings.SOCAP_MAX_API_BODY_BYTES = 2000
    payload = body(launch_name="x" * 5000)
    response = api.post("/socap/campaigns", payload, format="json")
    size = len(response.wsgi_request.body)
    assert response.status_code == 413
    assert response.json() == {"errors": {"body": [f"Payload too large: {size} bytes, the limit is 2000."]}}
    assert nothing_stored()


def test_resolution_failure_in_the_middle_of_a_batch_stores_nothing(api):
    payload = body(maintweets=[{"url": f"https://x.com/a/status/{MAIN}"},
                               {"url": f"https://x.com/a/status/{PROTECTED}"},
                               {"url": "https://x.com/a/status/1900000000000000100"}])
    errors = api.post("/socap/campaigns", payload, format="json").json()["errors"]
    assert set(errors) == {"maintweets[1].url", "maintweets[2].url"}
    assert nothing_stored()


def test_provider_unavailable_is_a_503_and_stores_nothing(api, simulator):
    simulator.faults([{"kind": "rate_limit", "retry_after": 9}])
    response = api.post("/socap/campaigns", CREATE_BODY, format="json")
    assert response.status_code == 503 and response["Retry-After"] == "9"
    assert nothing_stored()


def test_mongo_outage_during_create_rolls_back_the_django_rows(api, settings, tmp_path):
    server = mongo_process(tmp_path / "mongo").start()
    settings.MONGODB_URI, settings.MONGODB_TIMEOUT_MS = mongo_uri(server.port), 500
    settings.MONGODB_WEB_TIMEOUT_MS = 1500
    mongo.reset_client()
    try:
        server.stop()
        response = api.post("/socap/campaigns", CREATE_BODY, format="json")
        assert response.status_code == 503 and response["Retry-After"]
        assert list(response.json()) == ["errors"]
        assert Campaign.objects.count() == 0 and TrackedTweet.objects.count() == 0
    finally:
        mongo.reset_client()


# The API's names for a tweet's metrics, in this order, whatever TrackedTweet.metrics stores.
API_METRICS = ["likeCount", "retweetCount", "quoteCount", "replyCount", "viewCount", "bookmarkCount", "last_updated"]


def test_tweet_metrics_in_the_api_keep_their_names_at_creation_and_after_a_poll(api, simulator):
    created = api.post("/socap/campaigns", REFERENCE_BODY, format="json").json()
    truth = simulator.ground_truth()["metrics"]
    before_poll = api.get(f"/socap/campaigns/{created['id']}").json()  # the values resolved at creation
    run_metrics(created["id"])
    for data in (created, before_poll, api.get(f"/socap/campaigns/{created['id']}").json()):
        for tweet in data["tweets"]:
            assert list(tweet["metrics"]) == API_METRICS
            assert {name: tweet["metrics"][name] for name in API_METRICS[:-1]} == {
                name: truth[tweet["tweet_id"]][name] for name in API_METRICS[:-1]}


def test_list_detail_patch_delete(api):
    created = [api.post("/socap/campaigns", body(launch_name=f"L{i}"), format="json").json() for i in range(3)]
    listing = api.get("/socap/campaigns?page_size=2").json()
    assert listing["count"] == 3 and len(listing["results"]) == 2
    assert api.get("/socap/campaigns?status=bogus").status_code == 400
    campaign_id = created[0]["id"]
    assert api.get(f"/socap/campaigns/{campaign_id}").json()["launch_name"] == "L0"

    paused = api.patch(f"/socap/campaigns/{campaign_id}", {"status": "paused"}, format="json").json()
    assert paused["status"] == "paused"
    assert api.get("/socap/campaigns?status=paused").json()["count"] == 1
    prefs = api.patch(f"/socap/campaigns/{campaign_id}",
                      {"alert_preferences": {"importance_threshold": 3, "action_thresholds": {"quote": 1}}},
                      format="json").json()["alert_preferences"]
    assert prefs["importance_threshold"] == 3 and prefs["action_thresholds"] == {"quote": 1}
    assert prefs["channels"] == ["slack", "email"]  # untouched preferences keep their values

    bad = api.patch(f"/socap/campaigns/{campaign_id}",
                    {"alert_preferences": {"importance_threshold": 5},
                     "add_tweets": {"maintweets": [{"url": f"https://x.com/a/status/{PROTECTED}"}]}}, format="json")
    assert bad.status_code == 400
    assert Campaign.objects.get(pk=campaign_id).importance_threshold == 3  # all or nothing

    api.patch(f"/socap/campaigns/{campaign_id}", {"remove_tweet_ids": [INVESTOR]}, format="json")
    assert mongo.collection(mongo.WORKER_STATE).count_documents(
        {"campaign_id": str(campaign_id), "tweet_id": INVESTOR}) == 0
    added = api.patch(f"/socap/campaigns/{campaign_id}",
                      {"add_tweets": {"investor_twts": [{"url": f"https://x.com/a/status/{INVESTOR}"}]}},
                      format="json").json()
    assert len(added["tweets"]) == 3
    assert api.patch(f"/socap/campaigns/{campaign_id}", {}, format="json").status_code == 400

    mongo.collection(mongo.ENGAGEMENTS).insert_one({"campaign_id": str(campaign_id), "tweet_id": MAIN,
                                                   "user_id": "u", "action_type": "retweet"})
    reserve_seq(str(campaign_id), 1)
    mongo.collection(mongo.CAMPAIGN_STATS).update_one({"_id": str(campaign_id)}, {"$inc": {"engagements": 1}},
                                                      upsert=True)
    deleted = api.delete(f"/socap/campaigns/{campaign_id}").json()
    assert deleted["mongo_documents_removed"]["engagements"] == 1
    assert not Campaign.objects.filter(pk=campaign_id).exists()
    assert mongo.collection(mongo.WORKER_STATE).count_documents({"campaign_id": str(campaign_id)}) == 0
    for keyed_by_campaign in (mongo.COUNTERS, mongo.CAMPAIGN_STATS):  # documents whose _id is the campaign
        assert mongo.collection(keyed_by_campaign).find_one({"_id": str(campaign_id)}) is None
    assert api.get(f"/socap/campaigns/{campaign_id}").status_code == 404


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
mutations = st.fixed_dictionaries({}, optional={
    key: json_values for key in ("launch_name", "client_info", "maintweets", "influencer_twts", "investor_twts",
                                 "monitor_window", "alert_preferences", "cpm_usd", "extra")
})


def stored_counts():
    return (Campaign.objects.count(), TrackedTweet.objects.count(),
            mongo.collection(mongo.WORKER_STATE).count_documents({}))


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=mutations)
def test_generated_payloads_never_500_and_rejections_store_nothing(api, mutation):
    payload = {**copy.deepcopy(CREATE_BODY), **mutation}
    before = stored_counts()
    response = api.post("/socap/campaigns", payload, format="json")
    assert response.status_code in (201, 400), (payload, response.content)
    if response.status_code == 400:
        assert stored_counts() == before
        assert response.json()["errors"]
    else:
        from campaigns.services import delete_campaign

        assert stored_counts()[0] == before[0] + 1
        delete_campaign(Campaign.objects.get(pk=response.json()["id"]))


# Every scalar the API documents, with its JSON type: a value of any other JSON type is a 400 naming it.
TYPED_FIELDS = [
    (("launch_name",), str), (("client_info", "name"), str), (("client_info", "email"), str),
    (("maintweets", 0, "url"), str), (("monitor_window", "start_date"), str),
    (("alert_preferences", "importance_threshold"), float), (("alert_preferences", "slack_webhook_url"), str),
    (("alert_preferences", "frequency_window_minutes"), int), (("alert_preferences", "alert_spacing_minutes"), int),
    (("alert_preferences", "channels", 0), str), (("cpm_usd",), float),
]
WRONG_TYPED = {
    str: (st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.booleans()
          | st.lists(st.text(), max_size=2)),
    float: st.text(max_size=6) | st.booleans() | st.lists(st.integers(), max_size=2),
    int: st.text(max_size=6) | st.booleans() | st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda x: x != int(x)),
}


@st.composite
def wrongly_typed(draw):
    path, kind = draw(st.sampled_from(TYPED_FIELDS))
    return path, draw(WRONG_TYPED[kind])


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=wrongly_typed())
def test_a_value_of_the_wrong_json_type_is_a_400_naming_the_field(api, case):
    path, value = case
    payload = copy.deepcopy(REFERENCE_BODY)
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    response = api.post("/socap/campaigns", payload, format="json")
    assert response.status_code == 400, (payload, response.content)
    dotted = ".".join(map(str, path))
    assert any(key == dotted for key in response.json()["errors"]), (dotted, response.json())
    assert stored_counts() == (0, 0, 0)
