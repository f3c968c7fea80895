"""Entry points of the alerts app used by other apps and by its own views and tasks."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from alerts.channels import ChannelError, email
from alerts.queueing import queue_for_run
from alerts.sender import SendReport, deliver, disable_channel, recipients_for, send_due
from alerts import messages
from campaigns.models import Campaign


def queue_alerts_for_run(campaign: Campaign, new_engagements: list[dict], run_batch: str) -> int:
    """Hook called by ingestion with the engagements one run stored; returns how many alerts were queued."""
    return queue_for_run(campaign, new_engagements, run_batch)


def send_due_alerts() -> SendReport:
    return send_due()


@dataclass
class TestResult:
    channel: str
    ok: bool
    detail: str


def send_test_alert(campaign: Campaign) -> list[TestResult]:
    """A sample alert on every configured channel, so staff can check webhooks and addresses."""
    item = {
        "username": "socap_test", "name": "SOCAP test", "followers": 12345, "account_category": "vcs",
        "importance_score": campaign.importance_threshold,
        "engagements": [{"action_type": "retweet", "tweet_category": "main_twt", "text": None,
                         "engagement_tweet_id": None}],
    }
    message = messages.build(item, campaign)
    message.subject = f"[{campaign.launch_name}] Test alert from SOCAP"
    results = []
    for channel in campaign.channels:
        if channel == "slack" and campaign.slack_waiting:
            results.append(TestResult(channel, False, "no webhook yet: set the Slack webhook URL first"))
            continue
        try:
            deliver(channel, campaign, message)
        except ChannelError as exc:
            if exc.permanent:
                disable_channel(campaign, channel, str(exc))
            results.append(TestResult(channel, False, str(exc)))
            continue
        campaign.disabled_channels.pop(channel, None)  # it works again
        campaign.save(update_fields=["disabled_channels", "updated_at"])
        results.append(TestResult(channel, True, "delivered"))
    return results


def send_report_ready(campaign: Campaign) -> None:
    """Tell the client, by email, that the final report is ready (through the email channel)."""
    link = f"{settings.SITE_URL}/socap/c/{campaign.share_token}/report"
    context = {"campaign": campaign, "link": link}
    email.send(
        f"[{campaign.launch_name}] Your final launch report is ready",
        render_to_string("alerts/report_ready.txt", context),
        render_to_string("alerts/report_ready.html", context),
        recipients_for(campaign),
    )
