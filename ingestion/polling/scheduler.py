"""Fan-out: what to poll now, and the Celery tasks that do it.

Metrics come first (priority 0) as one batched job per campaign; when it is
done it enqueues the list jobs of every tweet, so their count gating sees the
fresh counters. Paused, completed and out-of-window campaigns get nothing.
Every poll belongs to a cycle (ingestion/poll_cycles.py) whose alerts are planned
once its list jobs are done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from celery import chain
from django.conf import settings
from django.utils import timezone

from campaigns.models import Campaign, TrackedTweet
from ingestion import signals
from ingestion.contract import PRIORITY
from ingestion.polling import poll_cycles
from ingestion.polling.list_gating import LIST_JOBS
from socap_project.celery import app, task
from socap_project.redis_client import get_redis

PUBLISH_CHUNK = 500  # messages per broker round trip
# The tasks this module enqueues (ingestion/tasks.py), by name: their bodies call back into it.
POLL_METRICS, POLL_LIST = "socap.ingestion.poll_metrics", "socap.ingestion.poll_list"


@dataclass
class FanOut:
    campaigns: int = 0
    jobs: int = 0
    skipped: bool = False  # another fan-out already covered this interval


def _claim_interval(now) -> bool:
    """One fan-out per poll interval, whoever asks (two Beats, Beat plus the trigger endpoint)."""
    interval = settings.SOCAP_POLL_INTERVAL_SECONDS
    slot = int(now.timestamp()) // interval
    return bool(get_redis().set(f"socap:fanout:{slot}", now.isoformat(), nx=True, ex=interval))


def interval_start(now):
    """The start of the poll interval `now` falls in: the cycle's time for adaptive cadence."""
    interval = settings.SOCAP_POLL_INTERVAL_SECONDS
    return dt.datetime.fromtimestamp(int(now.timestamp()) // interval * interval, tz=dt.UTC)


def pollable_campaigns(now=None):
    now = now or timezone.now()
    return Campaign.objects.filter(status=Campaign.Status.ACTIVE, start_date__lte=now, end_date__gt=now)


def publish(messages: list[tuple]) -> int:
    """Send (task, args, kwargs, priority) messages on one producer connection, pipelined in chunks.

    A bare apply_async per message opens a Redis client and waits for one LPUSH
    round trip each (about 0.5 ms, so 1.8 s for a 400-tweet campaign); kombu's
    producer batch buffers the LPUSHes and sends each chunk in one round trip.
    """
    with app.producer_or_acquire() as producer, producer.batch(max_size=PUBLISH_CHUNK):
        for task, args, kwargs, priority in messages:
            task.apply_async(args=args, kwargs=kwargs, priority=priority, producer=producer)
    return len(messages)


def enqueue_metrics(campaign_ids: list[int], now=None, kind: str = poll_cycles.MANUAL, cycle_at=None) -> int:
    """One metrics job per campaign, each in a cycle of its own (alert planning).

    `cycle_at` (the fan-out's interval start) lets quiet tweets skip cycles; without it every tweet is polled.
    """
    now = now or timezone.now()
    messages = []
    for campaign_id in campaign_ids:
        kwargs = {"cycle_id": poll_cycles.open_cycle(campaign_id, now, kind=kind)}
        if cycle_at is not None:
            kwargs["cycle_at"] = cycle_at.isoformat()
        messages.append((task(POLL_METRICS), [campaign_id], kwargs, PRIORITY["metrics"]))
    return publish(messages)


def enqueue_lists(campaign_id: int, tweet_ids: list[str] | None = None, cycle_id: str | None = None,
                  job_types=LIST_JOBS, jobs: list[tuple[str, str]] | None = None) -> int:
    """List jobs of `tweet_ids` (default: every tracked tweet) × `job_types`, or exactly `jobs`."""
    if jobs is None:
        if tweet_ids is None:
            tweet_ids = list(TrackedTweet.objects.filter(campaign_id=campaign_id).values_list("tweet_id", flat=True))
        jobs = [(tweet_id, job_type) for tweet_id in tweet_ids for job_type in job_types]
    if cycle_id:
        # Before any job can report done, so the last one to finish knows it is the last.
        poll_cycles.expect_jobs(cycle_id, len(jobs))
        if not jobs:  # nothing to list this cycle: its alerts (late ones, a spike check) are planned now
            signals.cycle_listed.send(sender=Campaign, cycle_id=cycle_id)
    return publish([(task(POLL_LIST), [campaign_id, tweet_id, job_type], {"cycle_id": cycle_id}, PRIORITY[job_type])
                    for tweet_id, job_type in jobs])


def enqueue_tweet_now(campaign_id: int, tweet_id: str) -> int:
    """Fresh metrics, then the tweet's three lists, in that order (count gating reads the metrics)."""
    cycle_id = poll_cycles.open_cycle(campaign_id, kind=poll_cycles.MANUAL)
    poll_cycles.expect_jobs(cycle_id, len(LIST_JOBS))
    steps = [task(POLL_METRICS).si(campaign_id, False).set(priority=PRIORITY["metrics"])]
    steps += [task(POLL_LIST).si(campaign_id, tweet_id, job, cycle_id=cycle_id).set(priority=PRIORITY[job])
              for job in LIST_JOBS]
    chain(*steps).apply_async()
    return len(steps)


def finish_job(cycle_id: str | None, tweet_id: str, job_type: str, fresh: int = 0, complete: bool = True) -> bool:
    """Report a list job of a cycle done; the last one announces the cycle listed (alert planning)."""
    if not cycle_id or not poll_cycles.job_done(cycle_id, f"{tweet_id}:{job_type}", fresh, tweet_id=tweet_id,
                                           complete=complete):
        return False
    signals.cycle_listed.send(sender=Campaign, cycle_id=cycle_id)
    return True


def fan_out(now=None) -> FanOut:
    now = now or timezone.now()
    if not _claim_interval(now):
        return FanOut(skipped=True)
    ids = list(pollable_campaigns(now).values_list("pk", flat=True))
    tweets = TrackedTweet.objects.filter(campaign_id__in=ids).count()
    enqueue_metrics(ids, now, kind=poll_cycles.POLL, cycle_at=interval_start(now))
    # Each metrics job enqueues the tweets' three list jobs when it finishes.
    return FanOut(campaigns=len(ids), jobs=len(ids) + tweets * len(LIST_JOBS))
