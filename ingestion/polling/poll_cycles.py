"""Poll cycles: the "run" of the alert rules (docs/alerts.md, "A run is a poll cycle").

Ingestion keeps what happened in the cycle: its jobs, when each tweet was read and
what each found. The alert planner keeps its own record of the cycle (the window of
sequence numbers it planned, what it found: alerts/planner_state.py); a job that
reports after its cycle was measured is announced (`activity_counted_late`) for
the spike rates, which are the planner's too.

A cycle is one campaign's share of one fan-out interval (or of a poll asked
for by hand or by completion). The fan-out opens it; the metrics job says how
many list jobs it enqueued; each list job reports itself done once. When all
are done, or when the cycle's bounded wait runs out (a stuck or lost job must
not hold alerts back), its alerts are planned once (alerts/planning.py).

A job reports by pushing its key onto the cycle with a `$ne` guard, so a
redelivered job cannot count twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from ingestion import signals
from socap_project import mongo

RUNNING, PLANNED = "running", "planned"
POLL, MANUAL = "poll", "manual"  # only poll cycles are interval-long, so only they feed the spike rate


def _coll():
    return mongo.collection(mongo.POLL_CYCLES)


def slot_of(now: dt.datetime) -> int:
    return int(now.timestamp()) // settings.SOCAP_POLL_INTERVAL_SECONDS


def next_fan_out(now: dt.datetime) -> dt.datetime:
    """When the next interval's fan-out can start: a cycle's alerts must be sent by then."""
    interval = settings.SOCAP_POLL_INTERVAL_SECONDS
    return dt.datetime.fromtimestamp((slot_of(now) + 1) * interval, dt.UTC)


def open_cycle(campaign_id: int, now: dt.datetime | None = None, *, kind: str = POLL) -> str:
    """Open (once) the cycle of this campaign for now's interval, or a manual one; return its id."""
    now = now or timezone.now()
    key = str(slot_of(now)) if kind == POLL else f"{kind}-{now.timestamp():.6f}"
    cycle_id = f"{campaign_id}:{key}"
    wait = dt.timedelta(seconds=settings.SOCAP_ALERT_PLAN_WAIT_SECONDS)
    _coll().update_one({"_id": cycle_id}, {"$setOnInsert": {
        "campaign_id": str(campaign_id), "kind": kind, "started_at": now, "plan_by": now + wait,
        "next_at": next_fan_out(now), "jobs_expected": None, "jobs_done": [], "finished": 0, "fresh": 0,
        "state": RUNNING,
    }}, upsert=True)
    return cycle_id


def expect_jobs(cycle_id: str, count: int) -> None:
    _coll().update_one({"_id": cycle_id}, {"$set": {"jobs_expected": count}})


def job_done(cycle_id: str, job_key: str, fresh: int = 0, *, tweet_id: str | None = None,
             complete: bool = True) -> bool:
    """Count a job of the cycle once; True when that was the last one and the cycle awaits planning.

    `fresh` is what the job found outside a backfill: new activity, the spike rate's measure
    (a backfill finds what happened before monitoring, not in this cycle). It is also counted per
    tweet; a job that did not read its list to the end (`complete` false: a backfill, an error, a
    block) leaves that tweet's span open, so its rate is measured over the next, longer span.
    """
    inc: dict = {"finished": 1, "fresh": fresh}
    if tweet_id is not None:
        inc[f"tweet_fresh.{tweet_id}"] = fresh
    update: dict = {"$push": {"jobs_done": job_key}, "$inc": inc}
    if tweet_id is not None and not complete:
        update["$set"] = {f"tweet_open.{tweet_id}": True}
    doc = _coll().find_one_and_update(
        {"_id": cycle_id, "jobs_done": {"$ne": job_key}, "rates_taken": {"$ne": True}}, update,
        projection={"jobs_done": 0}, return_document=mongo.ReturnDocument.AFTER,
    )
    if doc is None:
        # The spike rule has taken this cycle's counts already (its bounded wait ran out first), or the
        # job reported before: the job is counted done once, and what it found counts in the tweet's
        # next span.
        inc.pop(f"tweet_fresh.{tweet_id}", None)
        update.pop("$set", None)
        doc = _coll().find_one_and_update(
            {"_id": cycle_id, "jobs_done": {"$ne": job_key}}, update,
            projection={"jobs_done": 0}, return_document=mongo.ReturnDocument.AFTER,
        )
        if doc is not None and fresh and tweet_id is not None:
            signals.activity_counted_late.send(sender=cycle_id, campaign_id=doc["campaign_id"], tweet_id=tweet_id,
                                               count=fresh)
    return bool(doc and doc["state"] == RUNNING and doc["jobs_expected"] is not None
                and doc["finished"] >= doc["jobs_expected"])


def record_readings(cycle_id: str, readings: dict[str, dt.datetime]) -> None:
    """When each tweet's metrics were read in this cycle: the end of the span its list jobs cover."""
    if readings:
        _coll().update_one({"_id": cycle_id}, {"$set": {f"readings.{tweet_id}": at
                                                        for tweet_id, at in readings.items()}})


def take_counts(cycle_id: str) -> dict | None:
    """The cycle as the spike rule measures it; a job reporting after this counts in its tweet's next span."""
    return _coll().find_one_and_update({"_id": cycle_id}, {"$set": {"rates_taken": True}},
                                       projection={"jobs_done": 0}, return_document=mongo.ReturnDocument.AFTER)


def get(cycle_id: str) -> dict | None:
    return _coll().find_one({"_id": cycle_id}, {"jobs_done": 0})


def unplanned() -> list[dict]:
    """Every cycle whose alerts are not planned yet (the ones in flight: few), whole."""
    return list(_coll().find({"state": RUNNING}, {"jobs_done": 0}))


def due(now: dt.datetime | None = None) -> list[str]:
    """Unplanned cycles whose bounded wait is over (few: only cycles in flight are unplanned)."""
    now = now or timezone.now()
    return [doc["_id"] for doc in _coll().find({"state": RUNNING, "plan_by": {"$lte": now}}, {"_id": 1})]


def mark_planned(cycle_id: str) -> None:
    """The cycle's alerts are planned: it leaves the due list (what the plan found is the planner's record)."""
    _coll().update_one({"_id": cycle_id}, {"$set": {"state": PLANNED, "planned_at": timezone.now()}})
