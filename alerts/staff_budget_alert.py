"""Budget alerts for staff: the campaign's API spend reached the warning level or the budget.

They go to staff, never to the client: the addresses in SOCAP_STAFF_ALERT_EMAILS
and the webhook in SOCAP_STAFF_SLACK_WEBHOOK_URL, through the same email and
Slack channels as engagement alerts. Each (budget value, level, channel) is one
AlertHistory row, reserved before sending: a redelivered task finds the row and
sends nothing, so the alert goes out once.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import escape

from alerts.channels import ChannelError, email, slack
from alerts.models import AlertHistory, DeliveryAttempt
from campaigns.models import Campaign
from socap_project.links import absolute

log = logging.getLogger(__name__)


def staff_channels() -> list[str]:
    return ([Campaign.Channel.SLACK] if settings.SOCAP_STAFF_SLACK_WEBHOOK_URL else []) + (
        [Campaign.Channel.EMAIL] if settings.SOCAP_STAFF_ALERT_EMAILS else [])


def text_for(campaign: Campaign, level: int, budget: int, spent: int) -> tuple[str, str]:
    link = absolute("dashboard:staff", campaign.pk)
    if level >= 100:
        subject = f"[{campaign.launch_name}] API budget used up: polling stopped"
        body = (f"{campaign.launch_name} ({campaign.client_name}) has spent {spent:,} of its {budget:,}-credit "
                f"budget. Polling of this campaign has stopped; raise the budget in the admin to resume. {link}")
    else:
        subject = f"[{campaign.launch_name}] {level}% of the API budget spent"
        body = (f"{campaign.launch_name} ({campaign.client_name}) has spent {spent:,} of its {budget:,}-credit "
                f"budget ({100 * spent / budget:.0f}%). Polling stops at 100%. {link}")
    return subject, body


def _reserve(campaign: Campaign, level: int, budget: int, channel: str, body: str) -> AlertHistory | None:
    key = {"campaign": campaign, "user_id": f"budget:{budget}"[:32], "action_type": f"budget_{level}",
           "timestamp_hour": campaign.start_date, "channel": channel}
    try:
        with transaction.atomic():
            return AlertHistory.objects.create(**key, username="(API budget)", status=AlertHistory.Status.SENDING,
                                               message=body)
    except IntegrityError:
        return None  # sent (or being sent) already


def send_budget_alert(campaign_id: int, level: int, budget: int, spent: int) -> list[str]:
    """Deliver one budget alert on every staff channel; returns the channels it went out on now."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return []
    subject, body = text_for(campaign, level, budget, spent)
    channels = staff_channels()
    if not channels:
        log.warning("campaign %s: budget alert (%s%%) not sent: set SOCAP_STAFF_ALERT_EMAILS or "
                    "SOCAP_STAFF_SLACK_WEBHOOK_URL", campaign_id, level)
    sent = []
    for channel in channels:
        row = _reserve(campaign, level, budget, channel, body)
        if row is None:
            continue
        row.delivery_started_at = timezone.now()
        row.save(update_fields=["delivery_started_at"])
        try:
            if channel == Campaign.Channel.SLACK:
                slack.wait_for_slot(settings.SOCAP_STAFF_SLACK_WEBHOOK_URL)
                code = slack.post(settings.SOCAP_STAFF_SLACK_WEBHOOK_URL,
                                  f"*{slack.escape_mrkdwn(subject)}*\n{slack.escape_mrkdwn(body)}")
            else:
                code = email.send(subject, body, f"<p><b>{escape(subject)}</b></p><p>{escape(body)}</p>",
                                  list(settings.SOCAP_STAFF_ALERT_EMAILS))
        except ChannelError as exc:
            DeliveryAttempt.objects.create(alert=row, ok=False, permanent=exc.permanent,
                                           status_code=exc.status_code, error=str(exc))
            if exc.permanent:
                row.status = AlertHistory.Status.FAILED
                row.save(update_fields=["status"])
                continue
            row.delete()  # transient: free the slot so the task's retry can send it
            raise
        DeliveryAttempt.objects.create(alert=row, ok=True, status_code=code)
        row.status, row.sent_at = AlertHistory.Status.SENT, timezone.now()
        row.save(update_fields=["status", "sent_at"])
        sent.append(channel)
    return sent
