"""Entry points of the alerts app used by other apps and by its own views and tasks."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string

from alerts import messages, planner_state, planning
from alerts.channels import ChannelError, email
from alerts.queueing import queue_for_run
from alerts.sender import SendReport, deliver, disable_channel, recipients_for, send_due
from campaigns.models import Campaign
from ingestion.contract import Engagement
from socap_project import mongo
from socap_project.links import absolute


def queue_late_alerts(campaign: Campaign, new_engagements: list[Engagement], run_batch: str) -> int:
    """Hook called by ingestion with each page it stored; returns how many alerts were queued.

    A page's engagements normally wait for their poll cycle's plan (alerts/planning.py). Only
    those numbered inside a window already planned (stored by a job that outlived its cycle's
    bounded wait, or handed off late after a crash) are queued here, so none is left out.
    """
    planned_through = planner_state.alert_seq(campaign.mongo_id)
    late = [doc for doc in new_engagements if doc["seq"] <= planned_through]
    return queue_for_run(campaign, late, run_batch) if late else 0


def plan_cycle(cycle_id: str) -> planning.CyclePlan:
    return planning.plan_cycle(cycle_id)


def plan_due_cycles() -> list[planning.CyclePlan]:
    return planning.plan_due()


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
            if exc.disables_channel:
                disable_channel(campaign, channel, str(exc))
            results.append(TestResult(channel, False, str(exc)))
            continue
        campaign.disabled_channels.pop(channel, None)  # it works again
        campaign.save(update_fields=["disabled_channels", "updated_at"])
        results.append(TestResult(channel, True, "delivered"))
    return results


def send_report_ready(campaign: Campaign) -> None:
    """Tell the client, by email, that the final report is ready (through the email channel)."""
    link = absolute("reports:client-report", campaign.share_token)
    context = {"campaign": campaign, "link": link}
    email.send(
        f"[{campaign.launch_name}] Your final launch report is ready",
        render_to_string("alerts/report_ready.txt", context),
        render_to_string("alerts/report_ready.html", context),
        recipients_for(campaign),
    )


def forget_campaign(campaign_id: str) -> dict[str, int]:
    return mongo.delete_campaign_documents(campaign_id, (mongo.ALERT_QUEUE, mongo.TWEET_RATES, mongo.ALERT_CYCLE_PLANS),
                                           by_id=(mongo.ALERT_PLANNER,))


def forget_tweets(campaign_id: str, tweet_ids: list[str]) -> int:
    return mongo.delete_tweet_documents(campaign_id, tweet_ids, (mongo.ALERT_QUEUE, mongo.TWEET_RATES))
