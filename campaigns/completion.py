"""Campaign completion: a last poll of every job, then the report is frozen and events archived.

Every step can run twice: the report is stored once (unique per campaign), the
archive is written once, the status flip is last. A crash anywhere is resumed
by the next `complete_due` tick, which asks again for campaigns whose request
has gone stale.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from alerts.services import send_report_ready
from campaigns import services
from campaigns.models import Campaign
from campaigns.tasks import finalize_campaign
from dashboard.services import bump_version
from ingestion.archive import write_archive
from ingestion.scheduler import enqueue_metrics
from ingestion.selectors import final_poll_done
from reports.builder import freeze_report

log = logging.getLogger(__name__)
FINALIZE_DELAY_SECONDS = 30


def _deadline() -> dt.timedelta:
    return dt.timedelta(minutes=settings.SOCAP_FINAL_POLL_MINUTES)


def due_campaigns(now=None):
    """Window over and not completed; with no request yet, or one gone stale (a crash)."""
    now = now or timezone.now()
    stale = now - 2 * _deadline()
    return Campaign.objects.filter(
        status__in=[Campaign.Status.ACTIVE, Campaign.Status.PAUSED], end_date__lte=now
    ).filter(Q(completion_requested_at__isnull=True) | Q(completion_requested_at__lt=stale))


def request_completion(campaign: Campaign) -> None:
    """Ask for the final poll now (also the staff "complete now" action)."""
    if campaign.status == Campaign.Status.COMPLETED:
        return
    campaign.completion_requested_at = timezone.now()
    campaign.save(update_fields=["completion_requested_at", "updated_at"])
    enqueue_metrics([campaign.pk])  # the metrics job enqueues every tweet's list jobs when done
    finalize_campaign.apply_async(args=[campaign.pk], countdown=FINALIZE_DELAY_SECONDS)


@dataclass
class Finalization:
    state: str  # waiting | completed | already_completed | not_requested
    report: dict | None = None


def finalize(campaign_id: int) -> Finalization:
    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.status == Campaign.Status.COMPLETED:
        return Finalization("already_completed")
    if campaign.completion_requested_at is None:
        return Finalization("not_requested")
    requested = campaign.completion_requested_at
    if not final_poll_done(campaign.mongo_id, requested) and timezone.now() < requested + _deadline():
        return Finalization("waiting")
    report = freeze_report(campaign)
    write_archive(campaign.mongo_id)
    services.mark_completed(campaign)
    _announce(campaign)
    log.info("campaign %s completed: report frozen, events archived", campaign.pk)
    return Finalization("completed", report)


def _announce(campaign: Campaign) -> None:
    bump_version(campaign.mongo_id)
    try:
        send_report_ready(campaign)
    except Exception:  # noqa: BLE001 - the report is frozen either way; the delivery attempt is recorded
        log.exception("could not email the report link for campaign %s", campaign.pk)
