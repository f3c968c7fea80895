"""Celery tasks: ids in, one service call, retries for store outages only."""

from __future__ import annotations

import logging

from celery import shared_task
from redis.exceptions import ConnectionError as RedisConnectionError

from socap_project.mongo import PyMongoError

STORE_OUTAGES = (PyMongoError, RedisConnectionError)
log = logging.getLogger(__name__)
RETRY = {"autoretry_for": STORE_OUTAGES, "retry_backoff": 5, "retry_backoff_max": 120, "max_retries": 8}


@shared_task(name="socap.ingestion.fan_out", ignore_result=True, **RETRY)
def fan_out() -> dict:
    from ingestion import scheduler

    result = scheduler.fan_out()
    return {"campaigns": result.campaigns, "jobs": result.jobs, "skipped": result.skipped}


@shared_task(name="socap.ingestion.poll_metrics", ignore_result=True, **RETRY)
def poll_metrics(campaign_id: int, then_lists: bool = True, cycle_at: str | None = None) -> None:
    from django.utils.dateparse import parse_datetime

    from ingestion import scheduler
    from ingestion.metrics_job import run_metrics

    run = run_metrics(campaign_id, parse_datetime(cycle_at) if cycle_at else None)
    if then_lists and not run.budget_blocked:
        scheduler.enqueue_lists(campaign_id, run.due)  # resting tweets have nothing new to list


@shared_task(name="socap.ingestion.poll_list", ignore_result=True, **RETRY)
def poll_list(campaign_id: int, tweet_id: str, job_type: str) -> None:
    from campaigns.models import TrackedTweet
    from ingestion.list_job import run_list_job

    if not TrackedTweet.objects.filter(campaign_id=campaign_id, tweet_id=tweet_id).exists():
        log.info("skip %s of tweet %s: not tracked by campaign %s (removed after queueing)",
                 job_type, tweet_id, campaign_id)
        return
    run_list_job(campaign_id, tweet_id, job_type)
