"""SSRF through slack_webhook_url: only https to an allowed Slack host that resolves to a public
address; the local sinks on 127.0.0.1 only outside production; no redirect followed; a response
body never stored or shown. Checked when the URL is given (400 naming the field, nothing stored)
and again before every send (DNS can change)."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alerts.channels import ChannelError, slack
from alerts.models import AlertHistory
from alerts.queueing import queue_for_run
from alerts.sender import send_due
from campaigns.models import Campaign
from socap_project import mongo, webhook_urls
from tests.factories import engagement_doc, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)

MAIN = "1900000000000000101"
FIELD = "alert_preferences.slack_webhook_url"
BODY = {
    "launch_name": "Orbit", "client_info": {"name": "Orbit", "email": "team@orbit.example"},
    "monitor_window": {"start_date": "2025-03-15T15:00:00Z", "end_date": "2025-03-18T15:00:00Z"},
    "maintweets": [{"url": f"https://x.com/a/status/{MAIN}"}],
}
# Refused everywhere, production or not.
HOSTILE = [
    "http://hooks.slack.com/services/T/B/X",             # not https
    "https://169.254.169.254/latest/meta-data/",           # cloud metadata
    "http://169.254.169.254/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://10.0.0.5/hooks",                              # private
    "https://192.168.1.1/",
    "https://172.16.0.1/",
    "https://[::1]/hooks",                                 # loopback, IPv6
    "https://[fd00::1]/hooks",                             # unique local
    "https://localhost/hooks",
    "https://127.0.0.1/hooks",                             # loopback over https: not a local sink
    "http://localhost:6379/",
    "http://127.0.0.2:8766/hooks",
    "http://0.0.0.0:8766/hooks",
    "https://evil.example/services/T/B/X",                  # not an allowed host
    "https://hooks.slack.com.evil.example/services/T/B/X",
    "https://hooks.slack.com@10.0.0.5/services/T/B/X",      # user-info trick
    "https://hooks.slack.com:8443/services/T/B/X",          # another port
    "ftp://hooks.slack.com/services/T/B/X",
    "file:///etc/passwd",
]


@pytest.fixture
def api(django_user_model, simulator, mongo_db, redis_conn):
    user = django_user_model.objects.create_user("integrator", is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def with_webhook(url: str) -> dict:
    return {**BODY, "alert_preferences": {"channels": ["slack"], "slack_webhook_url": url}}


@pytest.mark.parametrize("url", HOSTILE)
def test_create_refuses_the_url_and_stores_nothing(api, url):
    response = api.post("/socap/campaigns", with_webhook(url), format="json")
    assert response.status_code == 400, (url, response.content)
    assert FIELD in response.json()["errors"]
    assert Campaign.objects.count() == 0


@pytest.mark.parametrize("url", ["https://10.1.2.3/x", "https://169.254.169.254/", "http://localhost:8000/admin"])
def test_patch_refuses_the_url_and_changes_nothing(api, url):
    campaign = make_campaign(slack_webhook_url="https://hooks.slack.com/services/T/B/OK")
    response = api.patch(f"/socap/campaigns/{campaign.pk}", {"alert_preferences": {"slack_webhook_url": url}},
                         format="json")
    assert response.status_code == 400 and FIELD in response.json()["errors"]
    campaign.refresh_from_db()
    assert campaign.slack_webhook_url == "https://hooks.slack.com/services/T/B/OK"


def test_local_sinks_only_outside_production(api, settings):
    local = "http://127.0.0.1:8766/hooks/demo"
    assert api.post("/socap/campaigns", with_webhook(local), format="json").status_code == 201
    settings.SOCAP_LOCAL_WEBHOOKS_ALLOWED = False  # what production sets
    response = api.post("/socap/campaigns", with_webhook(local), format="json")
    assert response.status_code == 400 and FIELD in response.json()["errors"]
    assert Campaign.objects.count() == 1


def test_a_slack_host_that_resolves_to_a_private_address_is_refused(api, monkeypatch):
    def resolve(host, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))]

    monkeypatch.setattr(webhook_urls.socket, "getaddrinfo", resolve)
    response = api.post("/socap/campaigns", with_webhook("https://hooks.slack.com/services/T/B/X"), format="json")
    assert response.status_code == 400 and "private" in response.json()["errors"][FIELD][0]


def test_extra_hosts_come_from_the_setting(settings, monkeypatch):
    monkeypatch.setattr(webhook_urls.socket, "getaddrinfo",
                        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))])
    with pytest.raises(webhook_urls.UnsafeWebhookUrl):
        webhook_urls.check("https://chat.example.com/hooks/1")
    settings.SOCAP_SLACK_WEBHOOK_HOSTS = ["hooks.slack.com", "chat.example.com"]
    assert webhook_urls.check("https://chat.example.com/hooks/1").host == "chat.example.com"


@pytest.fixture
def staff(django_user_model, simulator, mongo_db, redis_conn):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("staff", "s@example.com", "pw"))
    return client


def test_create_page_and_admin_show_the_error_on_the_field(staff):
    page = staff.post("/socap/create", {
        "launch_name": "Orbit", "client_name": "Orbit", "client_email": "team@orbit.example",
        "start_date": "2025-03-15T15:00", "end_date": "2025-03-18T15:00", "importance_threshold": "10",
        "channels": ["slack"], "slack_webhook_url": "https://169.254.169.254/latest", "extra_recipients": "",
        "frequency_window_minutes": "30", "alert_spacing_minutes": "20", "spike_factor": "3",
        "spike_min_engagements": "10", "cpm_usd": "", "tweets_main_twt": [f"https://x.com/a/status/{MAIN}"]})
    assert page.status_code == 400 and "hooks.slack.com" in page.content.decode()
    admin = staff.post("/admin/campaigns/campaign/add/", {
        "launch_name": "Orbit", "client_name": "Orbit", "client_email": "team@orbit.example",
        "start_date_0": "2025-03-15", "start_date_1": "15:00:00", "end_date_0": "2025-03-18",
        "end_date_1": "15:00:00", "importance_threshold": "10", "channels": ["slack"],
        "slack_webhook_url": "https://10.0.0.1/hooks", "frequency_window_minutes": "30",
        "alert_spacing_minutes": "20", "spike_factor": "3", "spike_min_engagements": "10",
        "main_tweet_urls": f"https://x.com/a/status/{MAIN}", "influencer_tweet_urls": "", "investor_tweet_urls": ""})
    assert admin.status_code == 200 and "hooks.slack.com" in admin.content.decode()
    assert Campaign.objects.count() == 0


# --- At send time


def _queue_one(campaign):
    doc = engagement_doc(campaign, campaign.tweets.first(), "42", importance=50, username="vip")
    mongo.collection(mongo.ENGAGEMENTS).insert_one(doc)
    assert queue_for_run(campaign, [doc], "run-1") == 1
    mongo.collection(mongo.ALERT_QUEUE).update_many({}, {"$set": {"scheduled_send_time": timezone.now()}})


class _Recorder(BaseHTTPRequestHandler):
    hits: list

    def log_message(self, *args):
        return

    def do_POST(self):  # noqa: N802
        self.hits.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = getattr(self.server, "redirect_to", None)
        if target:
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"internal secret: db password hunter2 " * 20
        self.send_response(getattr(self.server, "status", 200))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _server(**attrs) -> ThreadingHTTPServer:
    handler = type("Handler", (_Recorder,), {"hits": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    for name, value in attrs.items():
        setattr(server, name, value)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return server


def test_send_time_refuses_an_address_stored_before_the_rules(mongo_db, redis_conn, settings):
    """A webhook stored before validation existed (or edited in the database) never gets a request."""
    internal = _server()
    try:
        settings.SOCAP_LOCAL_WEBHOOKS_ALLOWED = False
        campaign = make_campaign(channels=["slack"], slack_webhook_url=f"http://127.0.0.1:{internal.server_port}/x")
        _queue_one(campaign)
        report = send_due()
        assert internal.RequestHandlerClass.hits == []
        assert report.sent == 0
        campaign.refresh_from_db()
        assert "slack" in campaign.disabled_channels
        assert AlertHistory.objects.get().status == AlertHistory.Status.FAILED
    finally:
        internal.shutdown()


def test_redirects_are_not_followed(mongo_db, redis_conn):
    inner = _server()
    outer = _server(redirect_to=f"http://127.0.0.1:{inner.server_port}/internal")
    try:
        with pytest.raises(ChannelError) as failure:
            slack.post(f"http://127.0.0.1:{outer.server_port}/hooks/T/B", "hello")
        assert outer.RequestHandlerClass.hits == ["/hooks/T/B"]
        assert inner.RequestHandlerClass.hits == []
        assert "302" in str(failure.value)
    finally:
        inner.shutdown()
        outer.shutdown()


@pytest.mark.parametrize("status", [404, 500])
def test_response_bodies_are_never_stored_or_shown(api, status):
    server = _server(status=status)
    try:
        campaign = make_campaign(channels=["slack"], slack_webhook_url=f"http://127.0.0.1:{server.server_port}/h")
        _queue_one(campaign)
        send_due()
        campaign.refresh_from_db()
        shown = api.get(f"/socap/campaigns/{campaign.pk}").content.decode()
        recorded = " ".join(AlertHistory.objects.values_list("attempts__error", flat=True).exclude(
            attempts__error=None))
        queued = str(list(mongo.collection(mongo.ALERT_QUEUE).find()))
        for place in (str(campaign.disabled_channels), shown, recorded, queued):
            assert "hunter2" not in place
        assert server.RequestHandlerClass.hits  # the request was made: the check is not vacuous
    finally:
        server.shutdown()


def test_bodies_stored_before_are_forgotten_by_the_migration():
    from tests.campaigns.test_migrations import migrate

    campaigns = ("campaigns", "0006_tracked_tweet_metric_names")
    before = [("alerts", "0002_alert_sending_states"), campaigns]
    after = [("alerts", "0003_forget_webhook_response_bodies"), campaigns]
    try:
        apps = migrate(before)
        Campaign = apps.get_model("campaigns", "Campaign")
        now = timezone.now()
        campaign = Campaign.objects.create(
            launch_name="L", client_name="C", client_email="c@example.com", start_date=now, end_date=now,
            share_token="t-ssrf", disabled_channels={"slack": "2025-03-15 17:00 UTC: Slack answered 404: internal "
                                                              "secret hunter2\nmore", "email": "recipients refused"})
        apps = migrate(after)
        stored = apps.get_model("campaigns", "Campaign").objects.get(pk=campaign.pk).disabled_channels
        assert stored == {"slack": "2025-03-15 17:00 UTC: Slack answered 404", "email": "recipients refused"}
    finally:
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
