"""Fan-out: what to poll now, and the Celery tasks that do it.

Metrics come first (priority 0) as one batched job per campaign; when it is
done it enqueues the list jobs of every tweet, so their count gating sees the
fresh counters. Paused, completed and out-of-window campaigns get nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from campaigns.models import Campaign, TrackedTweet

LIST_JOBS = ("retweets", "replies", "quotes")
PRIORITY = {"metrics": 0, "retweets": 2, "replies": 3, "quotes": 3}
PUBLISH_CHUNK = 500  # messages per broker round trip


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


def interval_start(now):
    """The start of the poll interval `now` falls in: the cycle's time for adaptive cadence."""
    import datetime as dt

    from django.conf import settings

    interval = settings.SOCAP_POLL_INTERVAL_SECONDS
    return dt.datetime.fromtimestamp(int(now.timestamp()) // interval * interval, tz=dt.UTC)


def pollable_campaigns(now=None):
    now = now or timezone.now()
    return Campaign.objects.filter(status=Campaign.Status.ACTIVE, start_date__lte=now, end_date__gt=now)


def publish(messages: list[tuple]) -> int:
    """Send (task, args, priority) messages on one producer connection, pipelined in chunks.

    A bare apply_async per message opens a Redis client and waits for one LPUSH
    round trip each (about 0.5 ms, so 1.8 s for a 400-tweet campaign); kombu's
    producer batch buffers the LPUSHes and sends each chunk in one round trip.
    """
    from socap_project.celery import app

    with app.producer_or_acquire() as producer, producer.batch(max_size=PUBLISH_CHUNK):
        for task, args, priority in messages:
            task.apply_async(args=args, priority=priority, producer=producer)
    return len(messages)


def enqueue_metrics(campaign_ids: list[int], cycle_at=None) -> int:
    """`cycle_at` (the fan-out's interval start) lets quiet tweets skip cycles; without it every tweet is polled."""
    from ingestion.tasks import poll_metrics

    args = (lambda cid: [cid, True, cycle_at.isoformat()]) if cycle_at is not None else (lambda cid: [cid])
    return publish([(poll_metrics, args(cid), PRIORITY["metrics"]) for cid in campaign_ids])


def enqueue_lists(campaign_id: int, tweet_ids: list[str] | None = None, job_types=LIST_JOBS) -> int:
    from ingestion.tasks import poll_list

    if tweet_ids is None:
        tweet_ids = list(TrackedTweet.objects.filter(campaign_id=campaign_id).values_list("tweet_id", flat=True))
    return publish([(poll_list, [campaign_id, tweet_id, job_type], PRIORITY[job_type])
                    for tweet_id in tweet_ids for job_type in job_types])


def enqueue_tweet_now(campaign_id: int, tweet_id: str) -> int:
    """Fresh metrics, then the tweet's three lists, in that order (count gating reads the metrics)."""
    from celery import chain

    from ingestion.tasks import poll_list, poll_metrics

    steps = [poll_metrics.si(campaign_id, False).set(priority=PRIORITY["metrics"])]
    steps += [poll_list.si(campaign_id, tweet_id, job).set(priority=PRIORITY[job]) for job in LIST_JOBS]
    chain(*steps).apply_async()
    return len(steps)


def fan_out(now=None) -> FanOut:
    now = now or timezone.now()
    if not _claim_interval(now):
        return FanOut(skipped=True)
    ids = list(pollable_campaigns(now).values_list("pk", flat=True))
    tweets = TrackedTweet.objects.filter(campaign_id__in=ids).count()
    enqueue_metrics(ids, cycle_at=interval_start(now))
    # Each metrics job enqueues the tweets' three list jobs when it finishes.
    return FanOut(campaigns=len(ids), jobs=len(ids) + tweets * len(LIST_JOBS))
