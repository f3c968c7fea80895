"""Celery tasks: ids in, one service call, retries for store outages only.

Services are imported inside the task bodies: the services that enqueue these tasks import
this module, so a top-level import back would be a cycle.
"""

from __future__ import annotations

import logging

from celery import shared_task

from socap_project.celery import RETRY

log = logging.getLogger(__name__)
# A wait for the shared rate limiter is not a failure: it must never run out the way the store-outage
# retries do (RETRY's 8). `max_retries=None` in retry() would mean the task's 8, not "no limit".
LIMITER_RETRIES = 1_000_000


@shared_task(name="socap.ingestion.fan_out", ignore_result=True, **RETRY)
def fan_out() -> dict:
    from ingestion.polling import scheduler

    result = scheduler.fan_out()
    return {"campaigns": result.campaigns, "jobs": result.jobs, "skipped": result.skipped}


@shared_task(name="socap.ingestion.poll_metrics", ignore_result=True, bind=True, **RETRY)
def poll_metrics(self, campaign_id: int, then_lists: bool = True, cycle_at: str | None = None,
                 cycle_id: str | None = None, tweet_ids: list[str] | None = None,
                 lists: list[list[str]] | None = None) -> None:
    from django.utils.dateparse import parse_datetime

    from ingestion.polling import scheduler
    from ingestion.polling.metrics_job import run_metrics

    run = run_metrics(campaign_id, parse_datetime(cycle_at) if cycle_at else None, tweet_ids,
                      cycle_id=cycle_id)
    jobs = [tuple(job) for job in lists or []] + run.list_jobs
    if run.retry_in is not None:
        # The shared rate limiter is full: free this worker; the tweets not read yet go when a slot frees
        # up, and the cycle's list jobs are enqueued once, after the last of them.
        raise self.retry(countdown=run.retry_in, max_retries=LIMITER_RETRIES, args=(), kwargs={
            "campaign_id": campaign_id, "then_lists": then_lists, "cycle_at": cycle_at, "cycle_id": cycle_id,
            "tweet_ids": run.remaining, "lists": [list(job) for job in jobs]})
    if then_lists and not run.budget_blocked:
        # Only the list jobs whose counters moved (or whose work is unfinished): ingestion/polling/list_gating.py.
        scheduler.enqueue_lists(campaign_id, cycle_id=cycle_id, jobs=jobs)


@shared_task(name="socap.ingestion.poll_list", ignore_result=True, bind=True, **RETRY)
def poll_list(self, campaign_id: int, tweet_id: str, job_type: str, cycle_id: str | None = None,
              resume: dict | None = None) -> None:
    from campaigns.models import TrackedTweet
    from ingestion.polling import scheduler
    from ingestion.polling.list_job import run_list_job

    fresh, complete = 0, True
    if TrackedTweet.objects.filter(campaign_id=campaign_id, tweet_id=tweet_id).exists():
        run = run_list_job(campaign_id, tweet_id, job_type, resume=resume)
        if run.retry_in is not None:
            # The shared rate limiter is full: free this worker and continue when a slot frees up.
            raise self.retry(countdown=run.retry_in, max_retries=LIMITER_RETRIES, args=(), kwargs={
                "campaign_id": campaign_id, "tweet_id": tweet_id, "job_type": job_type, "cycle_id": cycle_id,
                "resume": run.resume})
        fresh = 0 if run.backfill else run.new + (resume or {}).get("new", 0)
        # What this run left unread is found by a later one: its span stays open (spike rate).
        complete = not (run.backfill or run.error or run.skipped in ("leased", "blocked", "budget"))
    else:
        log.info("skip %s of tweet %s: not tracked by campaign %s (removed after queueing)",
                 job_type, tweet_id, campaign_id)
    # Done either way (a failed run too: what it stored is in the seq window all the same), so
    # the cycle's alerts are planned as soon as its last job ends, not at the bounded wait.
    scheduler.finish_job(cycle_id, tweet_id, job_type, fresh, complete)


@shared_task(name="socap.ingestion.purge_archived", ignore_result=True, **RETRY)
def purge_archived() -> int:
    """SOCAP_PURGE_ARCHIVED_AFTER_DAYS after a verified archive, its documents leave MongoDB."""
    from ingestion.archiving.purge import PurgeRefused, due_for_purge, purge_campaign

    purged = 0
    for campaign in due_for_purge():
        try:
            purge_campaign(campaign, progress=lambda message, pk=campaign.pk: log.info("purge %s: %s", pk, message))
        except PurgeRefused as exc:
            log.error("campaign %s not purged: %s", campaign.pk, exc)
            continue
        purged += 1
    return purged
