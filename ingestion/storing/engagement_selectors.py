"""Reads of ingestion's collections for the other apps (dashboard, reports, alert planning).

Ingestion owns the engagements and their bookkeeping (counters, metric
snapshots, worker state, API usage, the following index); the other apps read
them here instead of querying the collections. Each read is bounded as
docs/scale.md asks of request-time reads: an equality-prefix index lookup or a
closed window the caller chose.
"""

from __future__ import annotations

from ingestion.contract import Engagement

from ingestion.storing import importance
from socap_project import mongo
from xapi.account import spend_selectors


def in_window(campaign_id: str, window: dict, match: dict | None = None) -> list[Engagement]:
    """Engagements in a closed window of `seq` (or of importance and `seq`) as dashboard/paging.py builds it.

    `match` names at most one more field, so the planner walks that field's (campaign_id, field, seq) index.
    """
    return list(mongo.collection(mongo.ENGAGEMENTS).find({"campaign_id": campaign_id, **(match or {}), **window}))


def seq_range(campaign_id: str, low: int, high: int) -> list[Engagement]:
    """Engagements numbered low <= seq < high, unordered: one batch of an export or a rebuild."""
    return list(mongo.collection(mongo.ENGAGEMENTS).find(
        {"campaign_id": campaign_id, "seq": {"$gte": low, "$lt": high}}))


def cycle_window(campaign_id: str, seq_from: int, seq_to: int, fields: dict) -> list[Engagement]:
    """A poll cycle's new engagements, the window (seq_from, seq_to] its alert plan fixed.

    The inclusive upper bound is written `$lt seq_to + 1` (sequence numbers are integers): the
    embedded engine's index scan can drop the documents equal to a `$lte` bound (docs/scale.md).
    """
    return list(mongo.collection(mongo.ENGAGEMENTS).find(
        {"campaign_id": campaign_id, "seq": {"$gt": seq_from, "$lt": seq_to + 1}}, fields))


def account_engagements(campaign_id: str, user_id: str) -> list[Engagement]:
    """One account's engagements of the campaign, oldest first."""
    return list(mongo.collection(mongo.ENGAGEMENTS).find(
        {"campaign_id": campaign_id, "user_id": user_id}).sort("timestamp", mongo.ASCENDING))


def actions_of(campaign_id: str, user_ids: list[str]) -> list[Engagement]:
    """Tweet, tweet category, action and time of every engagement of a few accounts (one `$in` lookup)."""
    return list(mongo.collection(mongo.ENGAGEMENTS).find(
        {"campaign_id": campaign_id, "user_id": {"$in": user_ids}},
        {"user_id": 1, "tweet_id": 1, "tweet_category": 1, "action_type": 1, "timestamp": 1}))


def metric_snapshots(campaign_id: str) -> list[dict]:
    """The campaign's hourly metric snapshots, oldest first (one per hour of the window)."""
    return list(mongo.collection(mongo.METRIC_SNAPSHOTS).find(
        {"campaign_id": campaign_id}, {"_id": 0, "campaign_id": 0}).sort("snapshot_time", mongo.ASCENDING))


# What the dashboard's tweet table shows of a job state. A state also carries the job's checkpoint
# (resume cursor, hand-off mark, lease): decoding those for 4 × (tracked tweets) rows per page view
# cost more than the rest of the JSON dashboard.
STATE_FIELDS = {"_id": 0, "tweet_id": 1, "job_type": 1, "last_success": 1, "last_error": 1, "blocked_until": 1}


def worker_states(campaign_id: str) -> list[dict]:
    """The campaign's job states, one per tweet and job type: what the tweet table shows of each."""
    return list(mongo.collection(mongo.WORKER_STATE).find({"campaign_id": campaign_id}, STATE_FIELDS))


def api_usage(campaign_id: str) -> dict:
    """Requests made and credits spent for the campaign: its live spend counter (one point lookup),
    written where each call's cost is recorded, so the report never sums the per-request log."""
    return spend_selectors.totals(campaign_id)


def top_followers_of(user_ids: list[str]) -> dict[str, list[dict]]:
    """The heaviest important followers of each account known to the following index (one `$in` lookup)."""
    return {doc["user_id"]: importance.top_followers(doc.get("followers"))
            for doc in mongo.collection(mongo.FOLLOWING_INDEX).find(
                {"user_id": {"$in": user_ids}}, {"_id": 0, "user_id": 1, "followers": 1})}
