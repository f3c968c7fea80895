"""Hostile text from X (a reply, a display name) or from staff input cannot break or lose an alert.

A newline in a reply used to reach the email subject, Django refused the header after delivery had
been marked as started, the alert was recorded as "outcome unknown" and never resent, and the
exception stopped the sender for every other campaign. Now: subjects are one line whatever the
input; launch and client names refuse control characters; any exception from one queue item stays
with that item, classified as temporary (retried) or permanent (recorded with its reason).
"""

import email
import email.policy
import json
import unicodedata

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from redis.exceptions import ConnectionError as RedisConnectionError

from alerts import messages, sender
from alerts.staff_budget_alert import text_for
from alerts.channels import email as email_channel, slack
from alerts.models import AlertHistory
from alerts.queueing import queue_for_run
from alerts.sender import send_due
from alerts.services import send_report_ready
from campaigns.models import Campaign
from socap_project import mongo
from tests.factories import engagement_doc, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLES = [
    "line one\nBcc: victim@example.com",
    "carriage\r\nreturn\rand\x0bvertical\x0cfeed",
    "nul \x00 bell \x07 escape \x1b[31m red",
    "\u202eRTL override\u202c and \u200fmark\u200e",
    "line\u2028separator\u2029paragraph\x85next-line",
    "emoji 🚀🔥👩‍👩‍👧 flags 🇫🇷",
    "<!channel> <https://evil.example|Reset password> & =cmd|' /C calc'!A0",
    "x" * 10_000,
    "\n" * 500,
    "",
]
BREAKS = {"Cc", "Zl", "Zp"}


def one_line(value: str) -> bool:
    return not any(unicodedata.category(ch) in BREAKS for ch in value)


def hostile_texts():
    return st.one_of(st.sampled_from(SAMPLES), st.text(max_size=300),
                     st.text(alphabet=st.sampled_from(["\n", "\r", "\x00", "\u202e", "\u2028", "a", "é", "🚀", "<",
                                                       "&", "|", " "]), max_size=10_000))


def reply_item(text: str, name: str, username: str = "mallory") -> dict:
    now = timezone.now()
    return {"_id": "q1", "user_id": "1", "username": username, "name": name, "followers": 1234,
            "account_category": "vcs", "importance_score": 20.0, "followed_by": [{"username": name, "weight": 5}],
            "strongly_negative": True,
            "engagements": [{"action_type": "reply", "tweet_category": "main_twt", "text": text,
                             "engagement_tweet_id": "77", "hour": now, "sentiment_score": -0.9,
                             "strongly_negative": True},
                            {"action_type": "quote", "tweet_category": "investor_twt", "text": text,
                             "engagement_tweet_id": "78", "hour": now, "sentiment_score": None}]}


def spike_item(username: str) -> dict:
    return {"kind": "spike", "spike": {"fresh": 40, "trailing_mean": 4, "trailing_cycles": 6, "factor": 3,
                                       "top": [{"account_category": "vcs", "username": username,
                                                "action_type": "reply", "tweet_category": "main_twt",
                                                "importance_score": 9}]}}


def check_email(subject: str, text: str, html: str) -> None:
    """Through the email channel (Django's mail framework, in memory): one message, subject intact."""
    mail.outbox = []
    assert email_channel.send(subject, text, html, ["client@example.com"]) == 250
    [sent] = mail.outbox
    parsed = email.message_from_bytes(sent.message().as_bytes(), policy=email.policy.default)
    assert one_line(str(parsed["subject"]))


def check_slack(text: str, blocks: list[dict] | None) -> None:
    payload = json.dumps({"text": text, "blocks": blocks})
    assert "<" not in text and ">" not in text
    for block in blocks or []:
        for part in [block.get("text")] + block.get("elements", []):
            if part and part.get("type") == "mrkdwn":
                assert len(part["text"]) <= 3000 and "<" not in part["text"]
    assert json.loads(payload)["text"] == text


@given(text=hostile_texts(), name=hostile_texts(), launch=hostile_texts())
@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_every_builder_and_channel_takes_any_unicode(text, name, launch, mongo_db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    campaign = Campaign.objects.first() or make_campaign()
    campaign.launch_name, campaign.client_name = launch, name  # as stored before names were checked
    for item in (reply_item(text, name), spike_item(name)):
        message = messages.build(item, campaign)
        assert one_line(message.subject) and len(message.subject) <= 400
        check_email(message.subject, message.text, message.html)
        check_slack(message.slack_text, message.blocks)
    subject, body = text_for(campaign, 80, 1000, 800)
    check_email(subject, body, body)
    mail.outbox = []
    send_report_ready(campaign)
    assert one_line(mail.outbox[0].subject)


@given(text=st.sampled_from(SAMPLES))
@hsettings(max_examples=len(SAMPLES), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_slack_channel_posts_any_text_to_the_sink(text, sinks):
    campaign = Campaign.objects.first() or make_campaign(slack_webhook_url=sinks.webhook)
    message = messages.build(reply_item(text, text), campaign)
    before = len(sinks.messages()["slack"])
    assert slack.post(sinks.webhook, message.slack_text, message.blocks) == 200
    assert len(sinks.messages()["slack"]) == before + 1


def _queue(campaign, texts: list[str], run: str = "run-1") -> None:
    tweet = campaign.tweets.get(category="main_twt")
    docs = []
    for index, text in enumerate(texts):
        doc = engagement_doc(campaign, tweet, str(100 + index), "reply", importance=50, username=f"acct{index}",
                             text=text)
        doc["account_profile"]["name"] = text[:50]
        docs.append(doc)
    mongo.collection(mongo.ENGAGEMENTS).insert_many(docs)
    assert queue_for_run(campaign, docs, run) == len(texts)
    mongo.collection(mongo.ALERT_QUEUE).update_many({}, {"$set": {"scheduled_send_time": timezone.now()}})


def test_hostile_replies_reach_email_and_slack_exactly_once(sinks):
    """The acceptance check: real SMTP and webhook sinks, every alert once on each channel."""
    campaign = make_campaign(channels=["slack", "email"], slack_webhook_url=sinks.webhook, extra_recipients=[])
    other = make_campaign(launch_name="Other launch", channels=["email"], extra_recipients=[])
    _queue(campaign, SAMPLES[:-1])
    _queue(other, ["plain reply"], "run-2")
    report = send_due()
    assert (report.sent, report.failed) == (len(SAMPLES), 0), report.details
    assert send_due().sent == 0  # nothing left, nothing twice
    got = sinks.messages()
    assert len(got["slack"]) == len(SAMPLES) - 1
    subjects = [m["subject"] for m in got["email"]]
    assert len(subjects) == len(SAMPLES) and len(set(subjects)) == len(SAMPLES)
    assert all(one_line(s) for s in subjects)
    assert any("Bcc: victim@example.com" in s for s in subjects)  # the text is kept, on one line
    assert not any("victim@example.com" in m["to"] for m in got["email"])
    statuses = set(AlertHistory.objects.values_list("status", flat=True))
    assert statuses == {AlertHistory.Status.SENT}


def test_one_failing_item_never_stops_the_others(sinks, monkeypatch):
    campaign = make_campaign(channels=["email"], extra_recipients=[])
    _queue(campaign, ["first", "breaks permanently", "goes through", "store blip"])
    build = messages.build

    def flaky(item, campaign):
        text = item["engagements"][0]["text"]
        if text == "breaks permanently":
            raise ValueError("malformed item")
        if text == "store blip":
            raise RedisConnectionError("Redis went away")
        return build(item, campaign)

    monkeypatch.setattr(sender.messages, "build", flaky)
    report = send_due()
    assert report.sent == 2
    items = {i["engagements"][0]["text"]: i for i in mongo.collection(mongo.ALERT_QUEUE).find()}
    assert items["first"]["status"] == items["goes through"]["status"] == "sent"
    broken = items["breaks permanently"]
    assert broken["status"] == "failed" and "ValueError: malformed item" in broken["skip_reason"]
    blip = items["store blip"]
    assert blip["status"] == "pending" and blip["attempts"] == 1 and "Redis went away" in blip["last_error"]
    assert len(sinks.messages()["email"]) == 2
    monkeypatch.setattr(sender.messages, "build", build)  # the store is back: the retry goes out
    assert send_due().sent == 1
    assert len(sinks.messages()["email"]) == 3


def test_a_refused_message_fails_alone_and_keeps_the_channel(sinks, monkeypatch):
    """A message the mail framework refuses is that message's failure, not the channel's."""
    campaign = make_campaign(channels=["email"], extra_recipients=[])
    _queue(campaign, ["one", "two"])
    real = email_channel.EmailMultiAlternatives

    def refusing(subject, *args, **kwargs):
        if "one" in subject:
            subject += "\nBcc: x@example.com"  # what a builder bug would hand over
        return real(subject, *args, **kwargs)

    monkeypatch.setattr(email_channel, "EmailMultiAlternatives", refusing)
    monkeypatch.setattr(email_channel, "one_line", lambda value, **kwargs: value)
    report = send_due()
    assert report.sent == 1
    campaign.refresh_from_db()
    assert campaign.disabled_channels == {}
    failed = AlertHistory.objects.get(status=AlertHistory.Status.FAILED)
    assert "could not be built" in failed.attempts.get().error


# --- Names refuse control characters at every entry point


CREATE = {"launch_name": "Orbit", "client_info": {"name": "Orbit", "email": "team@orbit.example"},
          "monitor_window": {"start_date": "2025-03-15T15:00:00Z", "end_date": "2025-03-18T15:00:00Z"},
          "maintweets": [{"url": "https://x.com/a/status/1900000000000000101"}]}


@pytest.mark.parametrize("bad", ["Launch\nBcc: x@example.com", "Tab\there", "Bell\x07", "NUL\x00x", "LS\u2028x"])
def test_the_api_refuses_control_characters_in_names(api, bad):
    # NUL is refused earlier, by the JSON field itself ("Null characters are not allowed.").
    expected = "ull character" if "\x00" in bad else "control character"
    response = api.post("/socap/campaigns", {**CREATE, "launch_name": bad}, format="json")
    assert response.status_code == 400 and expected in response.json()["errors"]["launch_name"][0]
    response = api.post("/socap/campaigns", {**CREATE, "client_info": {"name": bad, "email": "a@b.example"}},
                        format="json")
    assert response.status_code == 400 and expected in response.json()["errors"]["client_info.name"][0]
    assert Campaign.objects.count() == 0
    campaign = make_campaign()
    response = api.patch(f"/socap/campaigns/{campaign.pk}", {"launch_name": bad}, format="json")
    assert response.status_code == 400 and "launch_name" in response.json()["errors"]
    assert Campaign.objects.get(pk=campaign.pk).launch_name == "Launch Q1"


def test_names_with_rtl_marks_and_emoji_are_fine(api):
    response = api.post("/socap/campaigns", {**CREATE, "launch_name": "إطلاق \u200f🚀"}, format="json")
    assert response.status_code == 201, response.content


def test_the_create_page_and_admin_show_the_error_on_the_field(django_user_model, simulator, mongo_db, redis_conn):
    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("staff", "s@example.com", "pw"))
    page = staff.post("/socap/create", {
        "launch_name": "Orbit\x1b[2J", "client_name": "Orbit", "client_email": "team@orbit.example",
        "start_date": "2025-03-15T15:00", "end_date": "2025-03-18T15:00", "importance_threshold": "10",
        "channels": ["email"], "slack_webhook_url": "", "extra_recipients": "", "frequency_window_minutes": "30",
        "alert_spacing_minutes": "20", "spike_factor": "3", "spike_min_engagements": "10", "cpm_usd": "",
        "tweets_main_twt": ["https://x.com/a/status/1900000000000000101"]})
    html = page.content.decode()
    assert page.status_code == 400 and "control character" in html
    admin = staff.post("/admin/campaigns/campaign/add/", {
        "launch_name": "Orbit", "client_name": "Orb\x08it", "client_email": "team@orbit.example",
        "start_date_0": "2025-03-15", "start_date_1": "15:00:00", "end_date_0": "2025-03-18",
        "end_date_1": "15:00:00", "importance_threshold": "10", "channels": ["email"], "slack_webhook_url": "",
        "frequency_window_minutes": "30", "alert_spacing_minutes": "20", "spike_factor": "3",
        "spike_min_engagements": "10", "main_tweet_urls": "https://x.com/a/status/1900000000000000101",
        "influencer_tweet_urls": "", "investor_tweet_urls": ""})
    assert admin.status_code == 200 and "control character" in admin.content.decode()
    assert Campaign.objects.count() == 0
