"""Removing an archived campaign's bulk documents from MongoDB.

Only what the archive holds (engagements, metric deltas and snapshots) and only after the archive
was checked against the database, right before the delete: `socap_restore_archive` brings all of
it back. The dashboard's write-time counters and the frozen report stay, so the campaign's pages
keep their totals; its engagers table is empty until a restore.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from campaigns.models import Campaign
from ingestion.archiving.archive import ARCHIVED, archive_for, verify_archive
from socap_project import mongo


class PurgeRefused(Exception):
    """The campaign's documents stay: not completed, no archive, or an archive that does not match."""


def _say(_message: str) -> None:
    pass


def purge_campaign(campaign: Campaign, progress: Callable[[str], None] = _say) -> dict[str, int]:
    """Verify the campaign's archive, then delete what it holds; the counts removed per collection."""
    if campaign.purged_at is not None:
        progress(f"campaign {campaign.pk} was purged at {campaign.purged_at.isoformat()}; nothing to do")
        return {}
    if campaign.status != Campaign.Status.COMPLETED:
        raise PurgeRefused(f"campaign {campaign.pk} is {campaign.status}, not completed: it has no final archive")
    archive = archive_for(campaign.mongo_id)
    if not archive.exists():
        raise PurgeRefused(f"campaign {campaign.pk} has no archive at {archive.label}")
    progress(f"verifying the archive at {archive.label} against the database ...")
    verification = verify_archive(archive)
    if not verification.ok:
        shown = "\n  ".join(verification.problems[:10])
        raise PurgeRefused(f"the archive at {archive.label} does not match the database "
                           f"({len(verification.problems)} problem(s)); nothing was deleted:\n  {shown}")
    now = timezone.now()
    Campaign.objects.filter(pk=campaign.pk).update(archive_verified_at=now)
    progress("archive verified: " + ", ".join(f"{name} {count}" for name, count in verification.checked.items()))
    removed = {name: _delete(name, campaign.mongo_id, progress) for name in ARCHIVED}
    Campaign.objects.filter(pk=campaign.pk).update(purged_at=timezone.now())
    return removed


def _delete(name: str, campaign_id: str, progress: Callable[[str], None]) -> int:
    coll = mongo.collection(name)
    if name != mongo.ENGAGEMENTS:
        removed = coll.delete_many({"campaign_id": campaign_id}).deleted_count
        progress(f"{name}: {removed} removed")
        return removed
    # In closed seq windows along the (campaign_id, seq) index: bounded deletes, visible progress.
    size = settings.SOCAP_ARCHIVE_WINDOW
    counter = mongo.collection(mongo.COUNTERS).find_one({"_id": campaign_id}, {"seq": 1}) or {}
    top = int(counter.get("seq") or 0)
    removed = 0
    for low in range(0, top + 1, size):
        removed += coll.delete_many({"campaign_id": campaign_id, "seq": {"$gte": low, "$lt": low + size}}).deleted_count
        progress(f"{name}: {removed} removed (seq up to {min(low + size - 1, top)} of {top})")
    rest = coll.delete_many({"campaign_id": campaign_id}).deleted_count  # unnumbered or past the counter
    if rest:
        progress(f"{name}: {rest} more removed (without a sequence number)")
    return removed + rest


def due_for_purge(now=None):
    """Completed campaigns whose archive was verified SOCAP_PURGE_ARCHIVED_AFTER_DAYS ago (none when 0)."""
    days = settings.SOCAP_PURGE_ARCHIVED_AFTER_DAYS
    if days <= 0:
        return Campaign.objects.none()
    now = now or timezone.now()
    return Campaign.objects.filter(status=Campaign.Status.COMPLETED, purged_at__isnull=True,
                                   archive_verified_at__lte=now - dt.timedelta(days=days))
