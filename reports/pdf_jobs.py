"""A report's PDF on request: printed by a Celery task, one per campaign at a time, then kept.

A web request never runs Chromium. It serves the PDF kept for the campaign's current
data version, or asks for one (a claim in Redis, so a flood of requests enqueues one
task) and answers "come back in a few seconds". The data version is "final" for a
frozen report, whose PDF is a file beside the campaign's archive (it never changes,
and survives restarts), also kept in the cache for a day so that web processes on
another host than the worker that printed it find it too. A live preview's newest PDF is kept in the cache with the
dashboard's data version it shows (if Redis is emptied, the version counter and the
PDF go together, so an old PDF is never taken for new). It is served for that
version, and for newer ones while it is younger than SOCAP_PDF_PREVIEW_MAX_AGE_SECONDS:
polls move the version every few minutes, and a reader must not wait for a print
that is out of date before it is done.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from kombu.exceptions import OperationalError

from campaigns.models import Campaign
from dashboard.selectors import current_version
from ingestion.selectors import archive_dir
from reports.builder import frozen_report
from reports.context import report_context, shows_comparison_to
from reports.pdf import PdfUnavailable, chromium_path, render_pdf
from socap_project.celery import task
from socap_project.redis_client import get_redis

logger = logging.getLogger(__name__)

FINAL = "final"
# Taken by the request that enqueues the render, released by the task: one queued render per campaign.
CLAIM_KEY = "socap:pdf:claim:{campaign}:{audience}"
# Held while Chromium runs: a redelivered or duplicate task never prints the same campaign twice at once.
RENDERING_KEY = "socap:pdf:rendering:{campaign}:{audience}"
FAILED_KEY = "socap:pdf:failed:{campaign}:{audience}:{version}"
PREVIEW_KEY = "pdf-preview:{campaign}:{audience}"
FINAL_KEY = "pdf-final:{campaign}:{audience}"
FINAL_CACHE_SECONDS = 24 * 3600
# Before the render task's turn come only the metrics polls (0): someone is waiting for it.
RENDER_PRIORITY = 1
RENDER_PDF = "socap.reports.render_pdf"  # reports/tasks.py, enqueued by name: its body calls back here


# The client's copy, and the staff copy when it shows more (the comparison with earlier launches
# that staff have not chosen to show the client).
CLIENT, STAFF = "client", "staff"


def audience_for(campaign: Campaign, *, staff: bool) -> str:
    return STAFF if staff and not shows_comparison_to(campaign, staff=False) else CLIENT


@dataclass(frozen=True)
class PdfState:
    status: str  # ready | rendering | failed | unavailable
    pdf: Path | bytes | None = None
    retry_after: int = 0
    message: str = ""


def data_version(campaign: Campaign) -> str:
    if frozen_report(campaign) is not None:
        return FINAL
    return f"live-{current_version(campaign.mongo_id)}"


def final_pdf_path(campaign: Campaign, audience: str = CLIENT) -> Path:
    return archive_dir(campaign.mongo_id) / ("report.pdf" if audience == CLIENT else f"report-{audience}.pdf")


def kept_pdf(campaign: Campaign, version: str, audience: str = CLIENT) -> Path | bytes | None:
    if version == FINAL:
        path = final_pdf_path(campaign, audience)
        return path if path.exists() else cache.get(FINAL_KEY.format(campaign=campaign.pk, audience=audience))
    kept = cache.get(PREVIEW_KEY.format(campaign=campaign.pk, audience=audience))
    if kept is None:
        return None
    if kept["version"] == version or time.time() - kept["at"] < settings.SOCAP_PDF_PREVIEW_MAX_AGE_SECONDS:
        return kept["pdf"]
    return None


def _keep(campaign: Campaign, version: str, audience: str, pdf: bytes) -> None:
    if version == FINAL:
        target = final_pdf_path(campaign, audience)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        partial.write_bytes(pdf)
        os.replace(partial, target)  # readers see the whole file or none
        cache.set(FINAL_KEY.format(campaign=campaign.pk, audience=audience), pdf, FINAL_CACHE_SECONDS)
    else:
        cache.set(PREVIEW_KEY.format(campaign=campaign.pk, audience=audience),
                  {"version": version, "at": time.time(), "pdf": pdf}, settings.SOCAP_PDF_PREVIEW_CACHE_SECONDS)


def _failed(conn, campaign: Campaign, version: str, audience: str) -> PdfState | None:
    ttl = conn.ttl(FAILED_KEY.format(campaign=campaign.pk, audience=audience, version=version))
    if ttl is None or ttl < 0:
        return None
    return PdfState("failed", retry_after=max(1, ttl),
                    message="The PDF could not be prepared. The team has been told; please try again later.")


def request_pdf(campaign: Campaign, *, staff: bool = False) -> PdfState:
    """The kept PDF, or a render asked for (at most one queued per campaign and copy) and how long to wait."""
    audience = audience_for(campaign, staff=staff)
    version = data_version(campaign)
    kept = kept_pdf(campaign, version, audience)
    if kept is not None:
        return PdfState("ready", pdf=kept)
    if chromium_path() is None:
        return PdfState("unavailable", message="PDF rendering is not installed on this server "
                                               "(it needs Chromium, Debian package `chromium`).")
    conn = get_redis()
    failed = _failed(conn, campaign, version, audience)
    if failed is not None:
        return failed
    claim = CLAIM_KEY.format(campaign=campaign.pk, audience=audience)
    if conn.set(claim, version, nx=True, ex=settings.SOCAP_PDF_CLAIM_SECONDS):
        try:
            task(RENDER_PDF).apply_async(args=[campaign.pk, audience], priority=RENDER_PRIORITY)
        except OperationalError:
            conn.delete(claim)
            logger.exception("Could not enqueue the PDF render of campaign %s", campaign.pk)
            return PdfState("unavailable", retry_after=settings.SOCAP_PDF_RETRY_AFTER_SECONDS * 6,
                            message="The PDF cannot be prepared right now; please try again in a minute.")
        # A worker quicker than this request (or an eager run) may be done already.
        kept = kept_pdf(campaign, version, audience)
        if kept is not None:
            return PdfState("ready", pdf=kept)
        failed = _failed(conn, campaign, version, audience)
        if failed is not None:
            return failed
    return PdfState("rendering", retry_after=settings.SOCAP_PDF_RETRY_AFTER_SECONDS,
                    message="The PDF is being prepared; this usually takes under a minute.")


def render_and_keep(campaign_id: int, audience: str = CLIENT) -> str:
    """Print the campaign's report for its current data version and keep it (the Celery task's body)."""
    conn = get_redis()
    rendering = RENDERING_KEY.format(campaign=campaign_id, audience=audience)
    if not conn.set(rendering, "1", nx=True, ex=settings.SOCAP_PDF_RENDER_TIMEOUT_SECONDS + 60):
        return "busy"  # another task is printing this campaign; it releases the claim
    try:
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            return "gone"
        # Read before the report: the PDF is at least as new as the version it is kept under.
        version = data_version(campaign)
        if kept_pdf(campaign, version, audience) is not None:
            return "kept"
        try:
            pdf = render_pdf(report_context(campaign, staff=audience == STAFF, fresh=True))
        except PdfUnavailable:
            # Logged by render_pdf; requests answer 503 until the marker lapses, then try again.
            conn.set(FAILED_KEY.format(campaign=campaign_id, audience=audience, version=version), "1",
                     ex=settings.SOCAP_PDF_FAILED_RETRY_SECONDS)
            return "failed"
        _keep(campaign, version, audience, pdf)
        return "rendered"
    finally:
        conn.delete(rendering, CLAIM_KEY.format(campaign=campaign_id, audience=audience))
