"""Adaptive polling: a tweet whose counters stay put is polled every 2, then up to N intervals.

Each metrics state carries `cadence` (poll every that many intervals),
`quiet_polls` (readings in a row without a move) and `next_poll_at`. A cycle
(the fan-out's interval start) polls the tweets that are due; a tweet that
rests this cycle gets neither a metrics reading nor list jobs. Metrics stay
exact because a delta is always new reading minus baseline, over whatever gap
passed; the list jobs' count gating and delta runs are unchanged.

"Moved" means the retweet, reply or quote counter changed: those are the ones
with a paid list read behind them and the ones that bring new accounts and
alerts. Likes, views and bookmarks tick on any live tweet, so they would keep
every tweet at full cadence; their deltas are still stored over the gap.

Limits keep launches honest: the campaign's first SOCAP_CADENCE_LAUNCH_HOURS
stay at every interval, and until SOCAP_CADENCE_FIRST_DAY_HOURS a tweet waits
at most 2 intervals, so nothing that happens on launch day reaches SOCAP later
than two intervals after it happened.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from socap_project import mongo
from socap_project.vocabulary import ACTION_PLURALS

MOVING = tuple(ACTION_PLURALS.values())  # the metrics that count retweets, replies and quotes


def max_factor(campaign, cycle_at: dt.datetime) -> int:
    age_hours = (cycle_at - campaign.start_date).total_seconds() / 3600
    if age_hours < settings.SOCAP_CADENCE_LAUNCH_HOURS:
        return 1
    if age_hours < settings.SOCAP_CADENCE_FIRST_DAY_HOURS:
        return min(2, settings.SOCAP_CADENCE_MAX_FACTOR)
    return max(1, settings.SOCAP_CADENCE_MAX_FACTOR)


def resting(campaign, cycle_at: dt.datetime) -> set[str]:
    """Tweets not due this cycle. A tweet with unfinished list work (backfill, error) is always due."""
    if max_factor(campaign, cycle_at) == 1:
        return set()
    rest, pending = set(), set()
    for state in mongo.collection(mongo.WORKER_STATE).find(
            {"campaign_id": campaign.mongo_id},
            {"_id": 0, "tweet_id": 1, "job_type": 1, "next_poll_at": 1, "backfill_done": 1, "last_error": 1}):
        if state["job_type"] == "metrics":
            due_at = state.get("next_poll_at")
            if due_at is not None and _aware(due_at) > cycle_at:
                rest.add(state["tweet_id"])
        elif not state.get("backfill_done") or state.get("last_error"):
            pending.add(state["tweet_id"])
    return rest - pending


def after_reading(campaign, state: dict, baseline: dict, values: dict, cycle_at: dt.datetime) -> dict:
    """The cadence fields to save with this reading: back off while quiet, snap back on any move."""
    moved = not baseline or any(int(baseline.get(name, 0) or 0) != values[name] for name in MOVING)
    factor, quiet = int(state.get("cadence") or 1), int(state.get("quiet_polls") or 0)
    if moved:
        factor, quiet = 1, 0
    else:
        quiet += 1
        if quiet >= settings.SOCAP_CADENCE_QUIET_POLLS:
            factor, quiet = factor * 2, 0
    factor = max(1, min(factor, max_factor(campaign, cycle_at)))
    interval = dt.timedelta(seconds=settings.SOCAP_POLL_INTERVAL_SECONDS)
    return {"cadence": factor, "quiet_polls": quiet, "next_poll_at": cycle_at + factor * interval}


def snap_back(campaign_id: str) -> None:
    """After a spike: every tweet of the campaign is due again at the next cycle, and then every interval
    until it is quiet again. A burst seen on one tweet is often on its neighbours too, and a backed-off
    neighbour would otherwise report its share up to SOCAP_CADENCE_MAX_FACTOR intervals late."""
    mongo.collection(mongo.WORKER_STATE).update_many(
        {"campaign_id": campaign_id, "job_type": "metrics"},
        {"$set": {"cadence": 1, "quiet_polls": 0, "next_poll_at": None}})


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def cadences(campaign) -> dict[str, dict]:
    """Per tweet, for the staff dashboard: how often it is polled now (minutes) and when it is next due."""
    interval = settings.SOCAP_POLL_INTERVAL_SECONDS / 60
    return {
        s["tweet_id"]: {"factor": int(s.get("cadence") or 1), "minutes": round(int(s.get("cadence") or 1) * interval),
                        "next_poll_at": s.get("next_poll_at")}
        for s in mongo.collection(mongo.WORKER_STATE).find(
            {"campaign_id": campaign.mongo_id, "job_type": "metrics"},
            {"_id": 0, "tweet_id": 1, "cadence": 1, "next_poll_at": 1})
    }
