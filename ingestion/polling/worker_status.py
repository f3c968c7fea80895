"""Reads about the workers: state per job type, and the broker's queues."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from campaigns.models import Campaign
from ingestion.polling import parking
from ingestion.polling.worker_state import JOB_TYPES
from socap_project import mongo
from socap_project.redis_client import get_redis
from xapi.account import key_state, spend_selectors


def final_poll_done(campaign_id: str, requested_at) -> bool:
    """Every job of every tweet finished a run after the completion request, and none is running."""
    unfinished = mongo.collection(mongo.WORKER_STATE).count_documents({"campaign_id": campaign_id, "$or": [
        {"updated_at": {"$lt": requested_at}}, {"lease_until": {"$gt": timezone.now()}},
    ]})
    return unfinished == 0


def worker_status(campaign_id: str | None = None) -> dict:
    """Per job type. With a campaign: exact counts over its own states (the campaign_id prefix bounds
    them). Without: each count stops at SOCAP_WORKER_STATUS_COUNT_CAP on a job_type-prefixed index,
    and `capped` says a figure means "at least", so the read never grows with the collection."""
    now = timezone.now()
    match = {"campaign_id": campaign_id} if campaign_id else {}
    cap = {} if campaign_id else {"limit": settings.SOCAP_WORKER_STATUS_COUNT_CAP}
    states = mongo.collection(mongo.WORKER_STATE)
    summary = {}
    for job_type in JOB_TYPES:
        query = {**match, "job_type": job_type}
        latest = states.find_one({**query, "last_success": {"$ne": None}}, sort=[("last_success", -1)])
        counts = {
            "states": states.count_documents(query, **cap),
            "blocked": states.count_documents({**query, "blocked_until": {"$gt": now}}, **cap),
            "with_error": states.count_documents({**query, "last_error": {"$ne": None}}, **cap),
            "running": states.count_documents({**query, "lease_until": {"$gt": now}}, **cap),
            "backfill_pending": states.count_documents({**query, "backfill_done": False}, **cap)
            if job_type != "metrics" else 0,
            "parked": states.count_documents({**query, **parking.ACTIVE_PARK}, **cap),
        }
        summary[job_type] = {
            **counts, "last_success": latest["last_success"].isoformat() if latest else None,
            "capped": bool(cap) and any(value >= cap["limit"] for value in counts.values()),
        }
    errors = [
        {"campaign_id": s["campaign_id"], "tweet_id": s["tweet_id"], "job_type": s["job_type"],
         "last_error": s["last_error"], "retry_count": s.get("retry_count", 0),
         "blocked_until": s["blocked_until"].isoformat() if s.get("blocked_until") else None,
         "parked": parking.is_parked(s)}
        for s in states.find({**match, "last_error": {"$ne": None}}).sort("updated_at", -1).limit(20)
    ]
    return {"at": now.isoformat(), "api_key": key_state.current_status(), "jobs": summary,
            "parked": parked_states(campaign_id), "recent_errors": errors}


def blocked() -> dict:
    """The key's 402 state and every active campaign that may not poll now (budget used up, key out of credits)."""
    live = Campaign.objects.filter(status=Campaign.Status.ACTIVE).only("pk", "launch_name", "credit_budget")
    return spend_selectors.blocked_campaigns(live)


def parked_states(campaign_id: str | None = None, limit: int = 50) -> list[dict]:
    """Jobs stopped by a permanent error, with the reason, until staff re-check the tweet."""
    query: dict = dict(parking.ACTIVE_PARK)
    if campaign_id:
        query["campaign_id"] = campaign_id
    return [
        {"campaign_id": s["campaign_id"], "tweet_id": s["tweet_id"], "job_type": s["job_type"],
         "reason": s["parked"]["reason"], "status": s["parked"].get("status"),
         "since": s["parked"]["at"].isoformat()}
        for s in mongo.collection(mongo.WORKER_STATE).find(query).limit(limit)
    ]


def _waiting(conn, queue: str) -> dict[str, int]:
    """Messages in a broker queue per priority (kombu keeps one Redis list per queue and priority)."""
    sep = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("sep", ":")
    return {str(priority): conn.llen(queue if priority == 0 else f"{queue}{sep}{priority}")
            for priority in settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("priority_steps", [0])}


def queue_status() -> dict:
    """Messages waiting in the broker per priority (list jobs' queue), control tasks waiting, and
    tasks taken but not yet acknowledged."""
    conn = get_redis()
    queued = _waiting(conn, settings.CELERY_TASK_DEFAULT_QUEUE)
    # Bounded like the status counts: a figure at the cap means "at least".
    running = mongo.collection(mongo.WORKER_STATE).count_documents(
        {"lease_until": {"$gt": timezone.now()}}, limit=settings.SOCAP_WORKER_STATUS_COUNT_CAP)
    return {
        "queued": sum(queued.values()),
        "queued_by_priority": queued,
        "queued_control": sum(_waiting(conn, settings.SOCAP_CONTROL_QUEUE).values()),
        "reserved_unacked": conn.hlen("unacked"),
        "running_jobs": running,
    }
