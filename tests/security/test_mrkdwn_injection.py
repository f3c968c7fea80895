"""Slack mrkdwn injection: a display name, reply text or launch name is shown as written, never as
a mention (<!channel>) or a disguised link (<https://evil|Reset password>)."""

import json

import pytest
from django.utils import timezone

from alerts import messages
from alerts.staff_budget_alert import send_budget_alert
from alerts.queueing import queue_for_run
from alerts.sender import send_due
from socap_project import mongo
from tests.factories import engagement_doc, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)

PING = "<!channel>"
PHISH = "<https://evil.example/login|Reset password>"


def slack_texts(payload) -> list[str]:
    """Every mrkdwn string Slack would format: the text field and the blocks' mrkdwn objects."""
    found = [payload["text"]]

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload.get("blocks"))
    return found


def assert_inert(text: str) -> None:
    # SOCAP's alerts use no mrkdwn links or mentions of their own: any angle bracket came from outside.
    assert "<" not in text and ">" not in text, text


def test_alert_blocks_escape_every_interpolated_value(mongo_db, redis_conn, sinks):
    campaign = make_campaign(launch_name=f"Launch {PING} & more", channels=["slack"], slack_webhook_url=sinks.webhook)
    tweet = campaign.tweets.get(category="main_twt")
    doc = engagement_doc(campaign, tweet, "13", "reply", importance=50, username="mallory", text=f"{PING} {PHISH}")
    doc["account_profile"]["name"] = PHISH
    mongo.collection(mongo.ENGAGEMENTS).insert_one(doc)
    assert queue_for_run(campaign, [doc], "run-1") == 1
    mongo.collection(mongo.ALERT_QUEUE).update_many({}, {"$set": {"scheduled_send_time": timezone.now()}})
    assert send_due().sent == 1
    [received] = sinks.messages()["slack"]
    texts = slack_texts(received)
    assert len(texts) >= 3
    for text in texts:
        assert_inert(text)
    joined = " ".join(texts)
    assert "&lt;!channel&gt;" in joined and "&lt;https://evil.example/login|Reset password&gt;" in joined
    # Email is plain text: it keeps the characters as written.
    message = messages.build(mongo.collection(mongo.ALERT_QUEUE).find_one(), campaign)
    assert PING in message.text and PHISH in message.text


def test_spike_alert_escapes_usernames(mongo_db):
    campaign = make_campaign(launch_name="A <b> & <!here>")
    item = {"kind": "spike", "spike": {"fresh": 40, "trailing_mean": 4, "trailing_cycles": 6, "factor": 3,
                                       "top": [{"account_category": "vcs", "username": "x<!everyone>",
                                                "action_type": "reply", "tweet_category": "main_twt",
                                                "importance_score": 9}]}}
    message = messages.build(item, campaign)
    for text in slack_texts({"text": message.slack_text, "blocks": message.blocks}):
        assert_inert(text)


def test_staff_budget_alert_escapes_the_launch_name(mongo_db, redis_conn, sinks, settings):
    settings.SOCAP_STAFF_SLACK_WEBHOOK_URL = sinks.webhook
    settings.SOCAP_STAFF_ALERT_EMAILS = []
    campaign = make_campaign(launch_name=f"Budget {PING}", client_name=PHISH)
    assert send_budget_alert(campaign.pk, 80, 1000, 800) == ["slack"]
    [received] = sinks.messages()["slack"]
    assert_inert(received["text"])
    assert "&lt;!channel&gt;" in json.dumps(received)
