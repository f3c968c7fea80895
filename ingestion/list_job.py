"""Retweeters / replies / quotes of one tweet (DESIGN.md "Algorithms" corrects the seed here).

Lists are newest-first. The first run backfills: it pages to the end and saves
the cursor after every page, so an interrupted backfill resumes where it
stopped. Every later run starts at the top and stops at the first page that
holds an engagement stored before this run: floor(delta / page size) + 1
requests, the lower bound. When the tweet's counter has not moved since the
last successful run, the job makes no request at all (count gating).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from campaigns.models import TrackedTweet
from ingestion import budget, clock, engagements, events, leases, parking
from ingestion.metrics_job import _block_seconds
from ingestion.provider import fetch_page
from ingestion.xapi.errors import CreditsExhausted, CursorExpired, RateLimited, XApiError
from ingestion.xapi.pagination import is_last_page

log = logging.getLogger(__name__)



@dataclass
class ListRun:
    requests: int = 0
    pages: int = 0
    new: int = 0
    skipped: str | None = None  # leased | blocked | unchanged | budget
    error: str | None = None
    backfill: bool = False


def _stop_after(page, cursor: str | None, seen: set, reached_older: bool, backfill: bool) -> bool:
    """The provider's last page, or (delta run) a page that reaches data stored before this run."""
    if is_last_page(len(page.engagers), page.has_next_page, page.next_cursor, cursor, seen):
        return True
    return reached_older and not backfill


def run_list_job(campaign_id: int, tweet_id: str, job_type: str) -> ListRun:
    tweet = TrackedTweet.objects.select_related("campaign").get(campaign_id=campaign_id, tweet_id=tweet_id)
    campaign = tweet.campaign
    cid, action = campaign.mongo_id, engagements.ACTION_OF_JOB[job_type]
    owner = leases.new_owner()
    run = ListRun()
    state = leases.acquire(cid, tweet_id, job_type, owner)
    if state is None:
        run.skipped = "leased"
        log.info("%s %s/%s: another runner holds the lease", job_type, cid, tweet_id)
        return run
    started = timezone.now()
    run_batch = started.isoformat()
    outcome: dict = {}
    failed = False
    try:
        if state.get("blocked_until") and state["blocked_until"] > started:
            run.skipped = "blocked"
            return run
        reported = (tweet.metrics or {}).get(job_type)  # named like the job: what its list counts
        events.dispatch_pending(campaign, tweet_id, action, run_batch)  # leftovers of a crashed run
        if state.get("backfill_done") and reported is not None and state.get("last_count") == reported:
            run.skipped = "unchanged"
            return run
        if reason := budget.blocked_reason(campaign, started):
            run.skipped = "budget"
            log.warning("%s %s/%s: no request: %s", job_type, cid, tweet_id, reason)
            return run
        run.backfill = not state.get("backfill_done")
        cursor = state.get("cursor") if run.backfill else None
        seen: set = set()
        inserted: set[str] = set()
        # Sequence numbers for what the counter says is new, reserved once for the run.
        seqs = engagements.SeqBlock(cid, expected=(reported or 0) - (state.get("last_count") or 0))
        reset = False
        while run.pages < settings.SOCAP_MAX_PAGES_PER_RUN:
            if run.requests:
                budget.guard(campaign)  # a long run may use up the budget midway
            try:
                run.requests += 1
                page = fetch_page(job_type, tweet_id, cursor, cid)
            except CursorExpired:
                if reset:
                    raise
                # Reset once and backfill from the top; the unique index absorbs what we already have.
                reset, run.backfill, cursor, seen = True, True, None, set()
                leases.checkpoint(cid, tweet_id, job_type, owner, {"cursor": None, "backfill_done": False})
                continue
            run.pages += 1
            stored = engagements.store_page(
                campaign_id=cid, tweet_id=tweet_id, tweet_category=tweet.category, job_type=job_type,
                engagers=page.engagers, now=clock.observed_now(), inserted_this_run=inserted, seqs=seqs,
                backfill=run.backfill,
            )
            run.new += len(stored.new)
            events.hand_off(campaign, stored.new, run_batch)
            stop = _stop_after(page, cursor, seen, stored.reached_older, run.backfill)
            seen.add(cursor)
            cursor = None if stop else page.next_cursor
            # The stored cursor is only the resume point of an unfinished backfill.
            if not leases.checkpoint(cid, tweet_id, job_type, owner, {"cursor": cursor if run.backfill else None}):
                run.error = "lease lost to another runner"
                return run
            if stop:
                break
        outcome = {
            "last_success": timezone.now(), "backfill_done": True, "cursor": None, "last_count": reported,
            "last_error": None, "retry_count": 0, "blocked_until": None,
        }
    except (RateLimited, CreditsExhausted) as exc:
        until = timezone.now() + dt.timedelta(seconds=_block_seconds(exc))
        outcome, failed = {"blocked_until": until, "last_error": f"{type(exc).__name__}: {exc}"}, True
        run.error = str(exc)
    except XApiError as exc:
        # A permanent error about this tweet parks its jobs (no more requests until staff re-check).
        outcome, failed = parking.after_error(cid, tweet_id, job_type, exc), True
        run.error = str(exc)
    finally:
        outcome["last_run"] = {
            "started_at": started, "finished_at": timezone.now(), "requests": run.requests, "pages": run.pages,
            "new": run.new, "backfill": run.backfill, "skipped": run.skipped, "error": run.error,
        }
        leases.release(cid, tweet_id, job_type, owner, outcome, failed=failed)
        log.info("%s %s/%s: %d requests, %d new%s%s", job_type, cid, tweet_id, run.requests, run.new,
                 f", skipped ({run.skipped})" if run.skipped else "", f", error: {run.error}" if run.error else "")
    return run
