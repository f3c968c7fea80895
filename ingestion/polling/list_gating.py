"""Which list jobs a cycle enqueues: only those that can find something.

A list job whose counter equals the count at its last success makes no request
(count gating in list_job.py), but as a queued task it still costs a message,
a lease, a leftovers check and a release: at 400 tweets, 1,200 such jobs a cycle
when only a hundred counters moved. The metrics job has just read every due
tweet's counters, so it enqueues a list job only when its counter moved, its
backfill is unfinished, its last run failed, or the tweet got no fresh reading
(then the job decides for itself, as before). A crashed run never saved its
count, so its job is enqueued again and hands off what it left behind.
"""

from __future__ import annotations

from campaigns.models import TrackedTweet
from ingestion.polling.worker_state import LIST_JOBS  # ingestion.polling.scheduler takes them from here
from socap_project import mongo


def _needs_run(state: dict | None, reported, fresh: bool) -> bool:
    if state is None or not fresh or reported is None:
        return True
    if state.get("parked"):
        return False  # a permanent error: staff re-check it (ingestion/polling/parking.py)
    if not state.get("backfill_done") or state.get("last_error"):
        return True
    return state.get("last_count") != reported


def due_list_jobs(campaign_id: str, tweets: list[TrackedTweet], fresh: set[str]) -> list[tuple[str, str]]:
    """(tweet_id, job_type) pairs worth running; `fresh` = tweets read by this metrics run."""
    if not tweets:
        return []
    states = {
        (state["tweet_id"], state["job_type"]): state
        for state in mongo.collection(mongo.WORKER_STATE).find(
            {"campaign_id": campaign_id, "job_type": {"$in": list(LIST_JOBS)}},
            {"_id": 0, "tweet_id": 1, "job_type": 1, "backfill_done": 1, "last_error": 1, "last_count": 1,
             "parked": 1})
    }
    return [
        (tweet.tweet_id, job)
        for tweet in tweets
        for job in LIST_JOBS
        # A list job is named like the metric that counts what it collects.
        if _needs_run(states.get((tweet.tweet_id, job)), (tweet.metrics or {}).get(job),
                      tweet.tweet_id in fresh)
    ]
