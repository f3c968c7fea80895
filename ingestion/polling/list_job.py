"""Retweeters / replies / quotes of one tweet (docs/ingestion.md: why delta runs start at the top).

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
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from campaigns.models import TrackedTweet
from ingestion import clock
from ingestion.polling import leases, parking
from ingestion.storing import engagements, handoff
from ingestion.polling.provider_calls import block_seconds, budget_blocked_reason, fetch_page, guard_budget
from xapi.errors import CreditsExhausted, CursorExpired, RateLimited, SlotBusy, XApiError
from xapi.pagination import is_last_page

log = logging.getLogger(__name__)


@dataclass
class ListRun:
    requests: int = 0
    pages: int = 0
    new: int = 0
    skipped: str | None = None  # leased | blocked | unchanged | budget
    error: str | None = None
    backfill: bool = False
    retry_in: float | None = None  # the shared rate limiter had no slot: run again in this many seconds ...
    resume: dict | None = None  # ... from here (the page loop's position, JSON-safe for the task's retry)


@dataclass
class _Job:
    """One run's fixed facts: which list of which tweet, who holds the lease, since when."""

    tweet: TrackedTweet
    job_type: str
    owner: str
    started: dt.datetime = field(default_factory=timezone.now)

    @property
    def campaign(self):
        return self.tweet.campaign

    @property
    def cid(self) -> str:
        return self.campaign.mongo_id

    @property
    def action(self) -> str:
        return engagements.ACTION_OF_JOB[self.job_type]

    @property
    def run_batch(self) -> str:
        return self.started.isoformat()

    @property
    def reported(self) -> int | None:
        """The tweet's counter for this list at the last metrics reading."""
        return (self.tweet.metrics or {}).get(self.job_type)  # named like the job: what its list counts


def _stop_after(page, cursor: str | None, seen: set, reached_older: bool, backfill: bool) -> bool:
    """The provider's last page, or (delta run) a page that reaches data stored before this run."""
    if is_last_page(len(page.engagers), page.has_next_page, page.next_cursor, cursor, seen):
        return True
    return reached_older and not backfill


def run_list_job(campaign_id: int, tweet_id: str, job_type: str, resume: dict | None = None) -> ListRun:
    """One run of one list job: skip checks, the page loop, the outcome saved with the lease.

    `resume` continues a run the shared rate limiter interrupted (its `ListRun.resume`)."""
    tweet = TrackedTweet.objects.select_related("campaign").get(campaign_id=campaign_id, tweet_id=tweet_id)
    job = _Job(tweet, job_type, owner=leases.new_owner())
    run = ListRun()
    state = leases.acquire(job.cid, tweet_id, job_type, job.owner)
    if state is None:
        run.skipped = "leased"
        log.info("%s %s/%s: another runner holds the lease", job_type, job.cid, tweet_id)
        return run
    job.started = timezone.now()
    outcome: dict = {}
    failed = False
    try:
        run.skipped = _skip_reason(job, state)
        if run.skipped is None and _read_pages(job, state, run, resume):
            outcome = _success(job)
    except (RateLimited, CreditsExhausted) as exc:
        until = timezone.now() + dt.timedelta(seconds=block_seconds(exc))
        outcome, failed = {"blocked_until": until, "last_error": f"{type(exc).__name__}: {exc}"}, True
        run.error = str(exc)
    except XApiError as exc:
        # A permanent error about this tweet parks its jobs (no more requests until staff re-check).
        outcome, failed = parking.after_error(job.cid, tweet_id, job_type, exc), True
        run.error = str(exc)
    finally:
        _release(job, run, outcome, failed)
    return run


def _skip_reason(job: _Job, state: dict) -> str | None:
    """Why this run makes no request, or None. Leftovers of a crashed run are handed off either way."""
    if state.get("blocked_until") and state["blocked_until"] > job.started:
        return "blocked"
    handoff.dispatch_pending(job.campaign, job.tweet.tweet_id, job.job_type, job.owner, state, job.run_batch)
    if state.get("backfill_done") and job.reported is not None and state.get("last_count") == job.reported:
        return "unchanged"
    if reason := budget_blocked_reason(job.campaign, job.started):
        log.warning("%s %s/%s: no request: %s", job.job_type, job.cid, job.tweet.tweet_id, reason)
        return "budget"
    return None


def _read_pages(job: _Job, state: dict, run: ListRun, resume: dict | None = None) -> bool:
    """Page through the list, storing and handing off each page; False if the lease was lost or the
    shared rate limiter had no slot (then `run.retry_in` and `run.resume` say when and from where)."""
    tweet_id = job.tweet.tweet_id
    run.backfill = not state.get("backfill_done")
    cursor = state.get("cursor") if run.backfill else None
    seen: set = set()
    inserted: set[str] = set()
    if resume:
        # Where the interrupted run stood: a delta run must not restart from the top, where the pages it
        # stored would look older and stop it before the rest of the delta.
        run.backfill, cursor = resume["backfill"], resume["cursor"]
        seen, inserted = set(resume["seen"]), set(resume["inserted"])
    # Sequence numbers for what the counter says is new, reserved once for the run.
    seqs = engagements.SeqBlock(job.cid, expected=(job.reported or 0) - (state.get("last_count") or 0))
    reset = False
    while run.pages < settings.SOCAP_MAX_PAGES_PER_RUN:
        if run.requests:
            guard_budget(job.campaign)  # a long run may use up the budget midway
        try:
            run.requests += 1
            page = fetch_page(job.job_type, tweet_id, cursor, job.cid)
        except SlotBusy as exc:
            run.requests -= 1  # nothing was sent
            run.retry_in = exc.retry_after
            run.resume = {"backfill": run.backfill, "cursor": cursor, "seen": sorted(seen, key=str),
                          "inserted": sorted(inserted), "new": run.new + (resume or {}).get("new", 0)}
            return False
        except CursorExpired:
            if reset:
                raise
            # Reset once and backfill from the top; the unique index absorbs what we already have.
            reset, run.backfill, cursor, seen = True, True, None, set()
            leases.checkpoint(job.cid, tweet_id, job.job_type, job.owner, {"cursor": None, "backfill_done": False})
            continue
        run.pages += 1
        decided: dict = {}

        def progress(stored, page=page, cursor=cursor, decided=decided, seen=seen):
            # The stored cursor is only the resume point of an unfinished backfill.
            stop = _stop_after(page, cursor, seen, stored.reached_older, run.backfill)
            decided.update(stop=stop, next=None if stop else page.next_cursor)
            return {"cursor": decided["next"] if run.backfill else None}

        # Store, hand off and checkpoint in one go (ingestion/handoff.py: a fixed handful of round trips).
        stored, held = handoff.ingest_page(
            job.campaign, tweet_id=tweet_id, tweet_category=job.tweet.category, job_type=job.job_type,
            engagers=page.engagers, now=clock.observed_now(), run_batch=job.run_batch, inserted_this_run=inserted,
            seqs=seqs, backfill=run.backfill, owner=job.owner, progress=progress)
        run.new += len(stored.new)
        seen.add(cursor)
        stop, cursor = decided["stop"], decided["next"]
        if not held:
            run.error = "lease lost to another runner"
            return False
        if stop:
            break
    return True


def _success(job: _Job) -> dict:
    return {
        "last_success": timezone.now(), "backfill_done": True, "cursor": None, "last_count": job.reported,
        "last_error": None, "retry_count": 0, "blocked_until": None,
    }


def _release(job: _Job, run: ListRun, outcome: dict, failed: bool) -> None:
    """Save the outcome and this run's summary with the lease release, and log one line."""
    outcome["last_run"] = {
        "started_at": job.started, "finished_at": timezone.now(), "requests": run.requests, "pages": run.pages,
        "new": run.new, "backfill": run.backfill, "skipped": run.skipped, "error": run.error,
    }
    leases.release(job.cid, job.tweet.tweet_id, job.job_type, job.owner, outcome, failed=failed)
    log.info("%s %s/%s: %d requests, %d new%s%s", job.job_type, job.cid, job.tweet.tweet_id, run.requests, run.new,
             f", skipped ({run.skipped})" if run.skipped else "", f", error: {run.error}" if run.error else "")
