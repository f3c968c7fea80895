"""The strongly-negative reply/quote rule: scored by VADER at write time, flagged, sent first, once per account
and hour."""

import datetime as dt

import pytest
from django.utils import timezone

from alerts.queueing import queue_for_run
from alerts.sender import send_due
from ingestion.storing import importance
from ingestion.storing.engagements import Engager, store_page
from socap_project import mongo
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db(transaction=True)
NEGATIVE = "This is a scam. Terrible product."


def reply(campaign, category, user_id, text, at, job="replies"):
    tweet = campaign.tweets.get(category=category)
    engager = Engager(user_id=user_id, username=f"acct{user_id}", name=f"Account {user_id}", bio="Partner at a fund",
                      location="", followers=5000, verified=False, timestamp=at, text=text,
                      engagement_tweet_id=f"77{user_id}{at:%H%M}")
    return store_page(campaign_id=campaign.mongo_id, tweet_id=tweet.tweet_id, tweet_category=category,
                      job_type=job, engagers=[engager], now=timezone.now()).new


def make_due():
    mongo.collection(mongo.ALERT_QUEUE).update_many({}, {"$set": {"scheduled_send_time": timezone.now()}})


def test_strongly_negative_reply_from_an_important_account_reaches_slack_and_email_once_per_hour(sinks):
    campaign = make_campaign(slack_webhook_url=sinks.webhook, channels=["slack", "email"], importance_threshold=10,
                             frequency_window_minutes=1)
    importance.upsert_entries([
        importance.entry("n1", [{"id": "p1", "username": "bigvc", "weight": 13},
                                {"id": "p2", "username": "angel", "weight": 8}]),
        importance.entry("p9", [{"id": "p1", "username": "bigvc", "weight": 40}]),
        importance.entry("m1", [{"id": "p2", "username": "angel", "weight": 12}]),
    ])
    hour = timezone.now().replace(minute=5, second=0, microsecond=0) - dt.timedelta(hours=3)
    docs = (reply(campaign, "main_twt", "n1", NEGATIVE, hour)
            + reply(campaign, "main_twt", "p9", "Congrats on the launch!", hour)  # more important, positive
            + reply(campaign, "main_twt", "m1", "Pricing is a joke, hard pass. Disappointed.", hour)  # mildly negative
            + reply(campaign, "main_twt", "z0", NEGATIVE, hour))  # negative, but not an important account
    assert docs[0]["sentiment"] == "negative" and docs[0]["sentiment_score"] <= -0.5
    assert queue_for_run(campaign, docs, "run-1") == 3
    items = sorted(mongo.collection(mongo.ALERT_QUEUE).find(), key=lambda i: i["scheduled_send_time"])
    assert [(i["user_id"], i["strongly_negative"]) for i in items] == [("n1", True), ("p9", False), ("m1", False)]

    # The same account, another negative reply in the same hour (another run): no second alert.
    again = reply(campaign, "influencer_twt", "n1", "Awful, broken and useless.", hour + dt.timedelta(minutes=20))
    assert queue_for_run(campaign, again, "run-2") == 0

    make_due()
    assert send_due().sent == 3
    slack = sinks.messages()["slack"]
    first = slack[0]["text"]
    assert first.startswith("Strongly negative: Account @acctn1 (importance: 21) replied to your main tweet: "
                            "“This is a scam. Terrible product.” (sentiment -0.78, VADER lexicon score)")
    assert "followed by @bigvc (13), @angel (8)" in first
    assert not any("Strongly negative" in m["text"] for m in slack[1:])
    mail = [m for m in sinks.messages()["email"] if "Strongly negative" in m["subject"]]
    assert len(mail) == 1 and "followed by @bigvc (13), @angel (8)" in mail[0]["text"]

    # The next hour, past the frequency window: the account alerts again.
    mongo.collection(mongo.ALERT_QUEUE).update_many(
        {}, {"$set": {"created_at": timezone.now() - dt.timedelta(minutes=5)}})
    later = reply(campaign, "investor_twt", "n1", NEGATIVE, hour + dt.timedelta(hours=1))
    assert queue_for_run(campaign, later, "run-3") == 1


def test_the_threshold_is_per_campaign(mongo_db):
    campaign = make_campaign(importance_threshold=10, negative_sentiment_threshold=-0.9)
    importance.upsert_entries([importance.entry("n1", [{"id": "p1", "username": "bigvc", "weight": 13}])])
    docs = reply(campaign, "main_twt", "n1", NEGATIVE, timezone.now() - dt.timedelta(hours=1))
    assert queue_for_run(campaign, docs, "run-1") == 1
    assert mongo.collection(mongo.ALERT_QUEUE).find_one()["strongly_negative"] is False
