import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from alerts import rules
from alerts.models import AlertHistory
from alerts.queueing import queue_for_run
from alerts.sender import send_due
from alerts.services import send_report_ready, send_test_alert
from campaigns.models import Campaign
from socap_project import mongo
from tests.factories import engagement_doc, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)


def stored(docs):
    mongo.collection(mongo.ENGAGEMENTS).insert_many(docs)
    return docs


def campaign_with(sinks, **fields):
    return make_campaign(**{"slack_webhook_url": sinks.webhook, "channels": ["slack", "email"],
                            "extra_recipients": ["ops@example.com"], **fields})


def make_due():
    mongo.collection(mongo.ALERT_QUEUE).update_many({}, {"$set": {"scheduled_send_time": timezone.now()}})


def test_spacing_fifty_alerts_within_the_window_most_important_first(mongo_db):
    campaign = make_campaign(alert_spacing_minutes=20)
    tweet = campaign.tweets.first()
    now = timezone.now()
    queue_for_run(campaign, stored([engagement_doc(campaign, tweet, str(i), importance=10 + i % 37)
                                    for i in range(50)]), "run-1")
    items = list(mongo.collection(mongo.ALERT_QUEUE).find().sort("scheduled_send_time", 1))
    assert len(items) == 50
    times = [i["scheduled_send_time"] for i in items]
    assert times[0] >= now - dt.timedelta(seconds=1)
    assert times[-1] <= now + dt.timedelta(minutes=20)
    scores = [i["importance_score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    assert rules.spread(0, now, 20) == []


def test_thresholds_overrides_and_idempotent_queueing(mongo_db):
    campaign = make_campaign(importance_threshold=10, category_thresholds={"investor_twt": 3},
                             action_thresholds={"quote": 1})
    main = campaign.tweets.get(category="main_twt")
    investor = campaign.tweets.get(category="investor_twt")
    docs = stored([
        engagement_doc(campaign, main, "a", "retweet", importance=9),     # below 10
        engagement_doc(campaign, main, "b", "retweet", importance=10),    # reaches 10
        engagement_doc(campaign, investor, "c", "retweet", importance=3),  # category override
        engagement_doc(campaign, main, "d", "quote", importance=1),       # action override
    ])
    assert queue_for_run(campaign, docs, "run-1") == 3
    assert queue_for_run(campaign, docs, "run-1") == 0  # same run handed over twice
    assert {i["user_id"] for i in mongo.collection(mongo.ALERT_QUEUE).find()} == {"b", "c", "d"}


def test_one_account_on_three_tweets_is_one_batched_message(sinks):
    campaign = campaign_with(sinks)
    tweets = {t.category: t for t in campaign.tweets.all()}
    docs = stored([
        engagement_doc(campaign, tweets["main_twt"], "7", "retweet", importance=25, category="vcs", username="vcx"),
        engagement_doc(campaign, tweets["influencer_twt"], "7", "reply", importance=25, category="vcs",
                       username="vcx", text="Love it"),
        engagement_doc(campaign, tweets["investor_twt"], "7", "quote", importance=25, category="vcs",
                       username="vcx", text="Big"),
    ])
    assert queue_for_run(campaign, docs, "run-1") == 1
    make_due()
    report = send_due()
    assert report.sent == 1
    slack = sinks.messages()["slack"]
    assert len(slack) == 1
    assert slack[0]["text"].startswith("Investor @vcx (importance: 25) engaged with 3 tweets: "
                                       "main (retweet), influencer (reply), investor (quote)")
    mail = sinks.messages()["email"]
    assert len(mail) == 1 and set(mail[0]["to"]) == {"client@example.com", "ops@example.com"}
    assert "engaged with 3 tweets" in mail[0]["html"] and "/socap/campaigns/" in mail[0]["text"]
    # The details line names the category as people read it, in Slack and in the email.
    assert "followers · Investors/VCs · " in slack[0]["text"] and " vcs " not in slack[0]["text"]
    assert "Investors/VCs" in mail[0]["html"] and "· vcs ·" not in mail[0]["text"]
    assert AlertHistory.objects.filter(status="sent").count() == 6  # 3 actions x 2 channels


def test_single_quote_format_and_dedupe_by_hour_and_window(sinks):
    campaign = campaign_with(sinks, channels=["slack"])
    tweet = campaign.tweets.get(category="influencer_twt")
    doc = engagement_doc(campaign, tweet, "9", "quote", importance=40, category="founders", username="fnd",
                         text="This is how you ship.")
    stored([doc])
    queue_for_run(campaign, [doc], "run-1")
    make_due()
    send_due()
    assert sinks.messages()["slack"][0]["text"].startswith(
        "Founder @fnd (importance: 40) quote-tweeted your influencer tweet: “This is how you ship.”")
    # The same account and action again: already alerted, not queued again.
    assert queue_for_run(campaign, [dict(doc, _id=None, tweet_id="x")], "run-2") == 0


def test_slack_429_then_success_404_disables_500_retries(sinks):
    campaign = campaign_with(sinks, channels=["slack"])
    tweet = campaign.tweets.get(category="main_twt")
    docs = stored([engagement_doc(campaign, tweet, str(i), importance=50, username=f"u{i}") for i in range(3)])
    queue_for_run(campaign, docs, "run-1")
    make_due()
    sinks.fail_next(429, retry_after=1)
    assert send_due(limit=1).sent == 1  # slack-sdk's retry handler waited and sent it
    sinks.fail_next(500)
    failed = send_due(limit=1)
    assert failed.failed == 1 and Campaign.objects.get().disabled_channels == {}
    assert mongo.collection(mongo.ALERT_QUEUE).count_documents({"status": "pending"}) == 2
    sinks.fail_next(404)
    make_due()
    send_due(limit=1)
    disabled = Campaign.objects.get().disabled_channels
    assert "slack" in disabled and "404" in disabled["slack"]
    assert send_due().skipped == 1  # no channel left
    assert len(sinks.messages()["slack"]) == 1


def test_test_send_button_and_report_email(sinks, django_user_model):
    campaign = campaign_with(sinks)
    assert [r.ok for r in send_test_alert(campaign)] == [True, True]
    admin = django_user_model.objects.create_superuser("s", "s@example.com", "pw")
    client = Client()
    client.force_login(admin)
    response = client.post(f"/socap/alerts/test/{campaign.pk}", follow=True)
    assert b"Test alert on slack: delivered" in response.content
    assert client.get(f"/socap/alerts/test/{campaign.pk}").status_code == 405
    send_report_ready(campaign)
    last = sinks.messages()["email"][-1]
    assert "final launch report is ready" in last["subject"] and campaign.share_token in last["text"]


def test_alert_history_admin_is_read_only_and_filterable(sinks, django_user_model):
    campaign = campaign_with(sinks, channels=["email"])
    doc = engagement_doc(campaign, campaign.tweets.first(), "5", importance=99, username="findme")
    stored([doc])
    queue_for_run(campaign, [doc], "run-1")
    make_due()
    send_due()
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("s", "s@example.com", "pw"))
    listing = client.get("/admin/alerts/alerthistory/?q=findme&channel__exact=email").content.decode()
    assert "findme" in listing
    assert client.get("/admin/alerts/alerthistory/add/").status_code == 403
