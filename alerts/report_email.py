"""Sending the "final report is ready" email from its outbox row, once.

The row is written with the campaign's status flip (operations/completion.py), so a crash after
the flip loses nothing: the next `socap.alerts.send_report_emails` run (at once after completion, then every
minute from Beat) sends it. A sender claims a row by a conditional update before it calls SMTP,
so two senders never both send; an SMTP failure is retried with backoff; a row left `sending` by
a sender that died is marked `unknown` (staff can resend it from the admin) instead of being
sent a second time, since the message may have left before the crash.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from alerts.channels import ChannelError
from alerts.services import send_report_ready
from campaigns.models import Campaign, ReportEmail

log = logging.getLogger(__name__)
BATCH = 50
MAX_BACKOFF_SECONDS = 3600


def send_due(now=None) -> dict[str, int]:
    """Send every due report email; give up on those whose sender died mid-send."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.SOCAP_REPORT_EMAIL_CLAIM_SECONDS)
    lost = ReportEmail.objects.filter(state=ReportEmail.State.SENDING, started_at__lt=stale)
    for row in lost:
        log.error("report email of campaign %s: the sender died while sending; outcome unknown, not resent "
                  "(resend it from the admin if the client did not get it)", row.campaign_id)
    unknown = lost.update(state=ReportEmail.State.UNKNOWN, last_error="sender died while sending")
    due = ReportEmail.objects.filter(state=ReportEmail.State.PENDING, next_attempt_at__lte=now)
    outcomes = {"sent": 0, "retry": 0, "failed": 0, "unknown": unknown}
    for pk in due.order_by("next_attempt_at").values_list("pk", flat=True)[:BATCH]:
        outcome = send_one(pk)
        if outcome:
            outcomes[outcome] += 1
    return outcomes


def send_one(pk: int) -> str | None:
    """Claim the row and send; None when another sender holds it (or it is no longer due)."""
    now = timezone.now()
    claimed = (ReportEmail.objects.filter(pk=pk, state=ReportEmail.State.PENDING, next_attempt_at__lte=now)
               .update(state=ReportEmail.State.SENDING, started_at=now, attempts=F("attempts") + 1))
    if not claimed:
        return None
    row = ReportEmail.objects.select_related("campaign").get(pk=pk)
    try:
        send_report_ready(row.campaign)
    except ChannelError as exc:
        return _failed(row, exc)
    except Exception as exc:  # noqa: BLE001 - raised before SMTP accepted it (rendering, a store): try again later
        log.exception("report email of campaign %s could not be sent", row.campaign_id)
        return _failed(row, ChannelError(f"{type(exc).__name__}: {exc}", permanent=False))
    ReportEmail.objects.filter(pk=pk).update(state=ReportEmail.State.SENT, sent_at=timezone.now(), last_error="")
    log.info("report email of campaign %s sent", row.campaign_id)
    return "sent"


def _failed(row: ReportEmail, exc: ChannelError) -> str:
    if exc.permanent:
        log.error("report email of campaign %s failed for good: %s", row.campaign_id, exc)
        ReportEmail.objects.filter(pk=row.pk).update(state=ReportEmail.State.FAILED, last_error=str(exc)[:2000])
        return "failed"
    backoff = min(settings.SOCAP_REPORT_EMAIL_RETRY_SECONDS * 2 ** (row.attempts - 1), MAX_BACKOFF_SECONDS)
    log.warning("report email of campaign %s: attempt %s failed (%s); again in %s s",
                row.campaign_id, row.attempts, exc, backoff)
    ReportEmail.objects.filter(pk=row.pk).update(
        state=ReportEmail.State.PENDING, last_error=str(exc)[:2000],
        next_attempt_at=timezone.now() + dt.timedelta(seconds=backoff))
    return "retry"


def resend(campaign: Campaign) -> bool:
    """Staff: send the report email (again), e.g. after an `unknown` or `failed` outcome."""
    row, _ = ReportEmail.objects.get_or_create(campaign=campaign)
    if row.state == ReportEmail.State.SENDING:
        return False
    ReportEmail.objects.filter(pk=row.pk).update(state=ReportEmail.State.PENDING, next_attempt_at=timezone.now())
    return True
