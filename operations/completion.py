"""Campaign completion: a last poll of every job, then the report is frozen and events archived.

Exactly once, whoever asks (two Beats, a redelivered task, staff): asking for the final poll
claims the campaign by a conditional update of `completion_requested_at`, and finalising claims
it by a lease (`finalizing_until`) that only its holder may turn into the status flip. Every step
can still run twice after a crash: the report is stored once (unique per campaign), the archive
is written once, and the status flip writes the report email's outbox row in the same
transaction (alerts/report_email.py sends it once). A crash anywhere is resumed: a lapsed
lease is taken over, and the next `complete_due` tick asks again for campaigns whose request
has gone stale.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alerts.tasks import send_report_emails
from campaigns.models import Campaign, ReportEmail
from dashboard.services import bump_version
from ingestion.selectors import final_poll_done
from ingestion.services import archive_for, enqueue_metrics, verify_archive, write_archive
from reports.builder import freeze_report
from socap_project.celery import task

log = logging.getLogger(__name__)
FINALIZE_DELAY_SECONDS = 30
FINALIZE = "socap.campaigns.finalize"  # operations/tasks.py, enqueued by name: its body calls back here


def _deadline() -> dt.timedelta:
    return dt.timedelta(minutes=settings.SOCAP_FINAL_POLL_MINUTES)


def due_campaigns(now=None):
    """Window over and not completed; with no request yet, or one gone stale (a crash)."""
    now = now or timezone.now()
    stale = now - 2 * _deadline()
    return Campaign.objects.filter(
        status__in=[Campaign.Status.ACTIVE, Campaign.Status.PAUSED], end_date__lte=now
    ).filter(Q(completion_requested_at__isnull=True) | Q(completion_requested_at__lt=stale))


def request_completion(campaign: Campaign, now=None) -> bool:
    """Ask for the final poll now (also the staff "complete now" action); False when another asker
    got there first (or the campaign is completed): only the claimer enqueues the final poll."""
    now = now or timezone.now()
    claimed = (Campaign.objects.filter(pk=campaign.pk, completion_requested_at=campaign.completion_requested_at)
               .exclude(status=Campaign.Status.COMPLETED)
               .update(completion_requested_at=now, updated_at=now))
    if not claimed:
        return False
    campaign.completion_requested_at = now
    enqueue_metrics([campaign.pk])  # the metrics job enqueues every tweet's list jobs when done
    task(FINALIZE).apply_async(args=[campaign.pk], countdown=FINALIZE_DELAY_SECONDS)
    return True


@dataclass
class Finalization:
    state: str  # waiting | busy (another finaliser holds the claim) | completed | already_completed | not_requested
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
    lease = _claim_finalization(campaign_id)
    if lease is None:
        return Finalization("busy")
    report = freeze_report(campaign)
    write_archive(campaign.mongo_id)
    verified = _verified_archive(campaign)
    if not _complete(campaign_id, lease, verified):
        return Finalization("busy")  # the claim lapsed and another finaliser took over: it completes
    _announce(campaign)
    log.info("campaign %s completed: report frozen, events archived", campaign.pk)
    return Finalization("completed", report)


def _claim_finalization(campaign_id: int):
    """The lease's expiry when this caller now holds the campaign's finalisation, else None."""
    now = timezone.now()
    until = now + dt.timedelta(seconds=settings.SOCAP_COMPLETION_CLAIM_SECONDS)
    claimed = (Campaign.objects.filter(pk=campaign_id)
               .exclude(status=Campaign.Status.COMPLETED)
               .filter(Q(finalizing_until__isnull=True) | Q(finalizing_until__lt=now))
               .update(finalizing_until=until))
    return until if claimed else None


def _verified_archive(campaign: Campaign):
    """When the archive just written matches the database (automatic purge waits for it), else None."""
    verification = verify_archive(archive_for(campaign.mongo_id))
    if verification.ok:
        return timezone.now()
    log.error("campaign %s: its archive does not match the database (%s problem(s), first: %s); "
              "it will not be purged automatically", campaign.pk, len(verification.problems), verification.problems[0])
    return None


def _complete(campaign_id: int, lease, archive_verified_at=None) -> bool:
    """The status flip, by the lease holder only, with the report email's outbox row."""
    with transaction.atomic():
        flipped = (Campaign.objects.filter(pk=campaign_id, finalizing_until=lease)
                   .exclude(status=Campaign.Status.COMPLETED)
                   .update(status=Campaign.Status.COMPLETED, completed_at=timezone.now(), finalizing_until=None,
                           archive_verified_at=archive_verified_at, updated_at=timezone.now()))
        if flipped:
            ReportEmail.objects.get_or_create(campaign_id=campaign_id)
    return bool(flipped)


def _announce(campaign: Campaign) -> None:
    bump_version(campaign.mongo_id)
    # At once, on the control queue; Beat's per-minute `send_report_emails` retries what is left.
    transaction.on_commit(send_report_emails.delay)
