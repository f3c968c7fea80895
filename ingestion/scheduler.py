"""Fan-out: what to poll now, and the Celery tasks that do it.

Metrics come first (priority 0) as one batched job per campaign; when it is
done it enqueues the list jobs of every tweet, so their count gating sees the
fresh counters. Paused, completed and out-of-window campaigns get nothing.
Every poll belongs to a cycle (ingestion/cycles.py) whose alerts are planned
once its list jobs are done.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from campaigns.models import Campaign, TrackedTweet
from ingestion import cycles

LIST_JOBS = ("retweets", "replies", "quotes")
PRIORITY = {"metrics": 0, "retweets": 2, "replies": 3, "quotes": 3}


@dataclass
class FanOut:
    campaigns: int = 0
    jobs: int = 0
    skipped: bool = False  # another fan-out already covered this interval


def _claim_interval(now) -> bool:
    """One fan-out per poll interval, whoever asks (two Beats, Beat plus the trigger endpoint)."""
    from django.conf import settings

    from socap_project.redis_client import get_redis

    interval = settings.SOCAP_POLL_INTERVAL_SECONDS
    slot = int(now.timestamp()) // interval
    return bool(get_redis().set(f"socap:fanout:{slot}", now.isoformat(), nx=True, ex=interval))


def pollable_campaigns(now=None):
    now = now or timezone.now()
    return Campaign.objects.filter(status=Campaign.Status.ACTIVE, start_date__lte=now, end_date__gt=now)


def enqueue_metrics(campaign_ids: list[int], now=None, kind: str = cycles.MANUAL) -> int:
    from ingestion.tasks import poll_metrics

    now = now or timezone.now()
    for campaign_id in campaign_ids:
        cycle_id = cycles.open_cycle(campaign_id, now, kind=kind)
        poll_metrics.apply_async(args=[campaign_id], kwargs={"cycle_id": cycle_id}, priority=PRIORITY["metrics"])
    return len(campaign_ids)


def enqueue_lists(campaign_id: int, cycle_id: str | None = None) -> int:
    from ingestion.tasks import poll_list

    tweet_ids = list(TrackedTweet.objects.filter(campaign_id=campaign_id).values_list("tweet_id", flat=True))
    if cycle_id:
        # Before any job can report done, so the last one to finish knows it is the last.
        cycles.expect_jobs(cycle_id, len(tweet_ids) * len(LIST_JOBS))
    count = 0
    for tweet_id in tweet_ids:
        for job_type in LIST_JOBS:
            poll_list.apply_async(args=[campaign_id, tweet_id, job_type], kwargs={"cycle_id": cycle_id},
                                  priority=PRIORITY[job_type])
            count += 1
    return count


def enqueue_tweet_now(campaign_id: int, tweet_id: str) -> int:
    """Fresh metrics, then the tweet's three lists, in that order (count gating reads the metrics)."""
    from celery import chain

    from ingestion.tasks import poll_list, poll_metrics

    cycle_id = cycles.open_cycle(campaign_id, kind=cycles.MANUAL)
    cycles.expect_jobs(cycle_id, len(LIST_JOBS))
    steps = [poll_metrics.si(campaign_id, False).set(priority=PRIORITY["metrics"])]
    steps += [poll_list.si(campaign_id, tweet_id, job, cycle_id=cycle_id).set(priority=PRIORITY[job])
              for job in LIST_JOBS]
    chain(*steps).apply_async()
    return len(steps)


def finish_job(cycle_id: str | None, tweet_id: str, job_type: str, fresh: int = 0) -> bool:
    """Report a list job of a cycle done; the last one asks for the cycle's alert planning."""
    from alerts.tasks import plan_alert_cycle

    if not cycle_id or not cycles.job_done(cycle_id, f"{tweet_id}:{job_type}", fresh):
        return False
    plan_alert_cycle.apply_async(args=[cycle_id], priority=PRIORITY["metrics"])
    return True


def fan_out(now=None) -> FanOut:
    now = now or timezone.now()
    if not _claim_interval(now):
        return FanOut(skipped=True)
    ids = list(pollable_campaigns(now).values_list("pk", flat=True))
    tweets = TrackedTweet.objects.filter(campaign_id__in=ids).count()
    enqueue_metrics(ids, now, kind=cycles.POLL)
    # Each metrics job enqueues the tweets' three list jobs when it finishes.
    return FanOut(campaigns=len(ids), jobs=len(ids) + tweets * len(LIST_JOBS))
