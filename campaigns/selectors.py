"""Reads about one campaign that several entry points show (API, admin, staff pages)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from campaigns.models import Campaign
from socap_project.client_links import ShareLinkExpired
from xapi.account import spend_selectors

SLACK_WAITING_MESSAGE = (
    "Slack alerts are waiting for a webhook: no slack_webhook_url was given and no deployment default "
    "(SOCAP_DEFAULT_SLACK_WEBHOOK_URL) is set. Email alerts go out meanwhile; Slack alerts are held and "
    "delivered once a webhook is set (PATCH alert_preferences.slack_webhook_url, the admin or the create page)."
)


def share_link_expires_at(campaign: Campaign) -> dt.datetime | None:
    days = settings.SOCAP_SHARE_LINK_EXPIRY_DAYS
    if days <= 0 or campaign.completed_at is None:
        return None
    return campaign.completed_at + dt.timedelta(days=days)


def campaign_by_share_token(token: str) -> Campaign:
    """The campaign a client link opens; a rotated token is as unknown as a made-up one."""
    campaign = Campaign.objects.filter(share_token=token).first()
    if campaign is None:
        raise Http404("Unknown or rotated link.")
    expires_at = share_link_expires_at(campaign)
    if expires_at is not None and timezone.now() >= expires_at:
        raise ShareLinkExpired(expires_at)
    return campaign


def campaign_spend(campaign: Campaign, now: dt.datetime | None = None) -> dict:
    """What polling the campaign has cost so far and is projected to (staff only): its live spend
    counters against its budget, projected to the end of its window while it is active."""
    window = (campaign.start_date, campaign.end_date) if campaign.status == Campaign.Status.ACTIVE else None
    return spend_selectors.campaign_spend(campaign.mongo_id, campaign.credit_budget, window, now)


def slack_status(campaign: Campaign) -> str:
    """not_used | waiting_for_webhook | disabled | default_webhook | webhook."""
    if "slack" not in campaign.channels:
        return "not_used"
    if campaign.slack_waiting:
        return "waiting_for_webhook"
    if "slack" in campaign.disabled_channels:
        return "disabled"
    return "webhook" if campaign.slack_webhook_url else "default_webhook"


def alert_warnings(campaign: Campaign) -> list[dict]:
    """What a client of the API should know about how its alerts will be delivered."""
    status = slack_status(campaign)
    if status == "waiting_for_webhook":
        return [{"field": "alert_preferences.slack_webhook_url", "code": "slack_waiting_for_webhook",
                 "message": SLACK_WAITING_MESSAGE}]
    if status == "default_webhook":
        return [{"field": "alert_preferences.slack_webhook_url", "code": "slack_default_webhook",
                 "message": "No slack_webhook_url was given: Slack alerts go to this deployment's default "
                            "webhook until the campaign gets its own."}]
    if status == "disabled":
        return [{"field": "alert_preferences.slack_webhook_url", "code": "slack_disabled",
                 "message": f"Slack is disabled after a permanent failure ({campaign.disabled_channels['slack']}); "
                            "setting a new webhook enables it again."}]
    return []


EARLIER_LAUNCHES = 5


def earlier_launches(campaign: Campaign) -> list[Campaign]:
    """The launches this one is compared with: those staff chose, else the client's latest earlier ones."""
    chosen = list(campaign.compare_with.exclude(pk=campaign.pk).order_by("-start_date")[:EARLIER_LAUNCHES])
    if chosen:
        return chosen
    return list(Campaign.objects.filter(client_name=campaign.client_name, start_date__lt=campaign.start_date)
                .exclude(pk=campaign.pk).order_by("-start_date")[:EARLIER_LAUNCHES])
