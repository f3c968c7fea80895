"""Writes other apps make to ingestion's engagement bookkeeping.

- Numbering engagements stored without a sequence number (older data, a
  restored archive) before the dashboard recounts its rollups.
- Alert planning's state (alerts/planning.py, alerts/spikes.py), kept on the
  campaign's counter document: the planner's claim, `alert_seq` (how far its
  windows reach). A window is fixed
  against the `seq` handed out on the same document, so one read sees both.
"""

from __future__ import annotations

import datetime as dt

from ingestion.engagements import reserve_seq
from socap_project import mongo


def number_unsequenced(campaign_id: str, batch: int = 1000) -> int:
    """Give a sequence number to engagements stored without one (older data), in storing order."""
    engagements = mongo.collection(mongo.ENGAGEMENTS)
    # Restored documents keep their numbers: new numbers must start above them.
    highest = next(iter(engagements.find({"campaign_id": campaign_id, "seq": {"$exists": True}}, {"seq": 1})
                        .sort("seq", -1).limit(1)), {}).get("seq", 0)
    mongo.collection(mongo.COUNTERS).update_one({"_id": campaign_id}, {"$max": {"seq": highest}}, upsert=True)
    numbered = 0
    while True:
        # A batch job, not a request: the sort over the unnumbered documents is acceptable here.
        docs = list(engagements.find({"campaign_id": campaign_id, "seq": {"$exists": False}}, {"_id": 1})
                    .sort("_id", 1).limit(batch))
        if not docs:
            return numbered
        last = reserve_seq(campaign_id, len(docs))
        engagements.bulk_write([
            mongo.UpdateOne({"_id": doc["_id"], "seq": {"$exists": False}}, {"$set": {"seq": seq}})
            for doc, seq in zip(docs, range(last - len(docs) + 1, last + 1), strict=True)], ordered=False)
        numbered += len(docs)


def mark_handed_off() -> int:
    """Give job states of earlier versions a hand-off mark: what is numbered now was handed off (those
    versions flagged leftovers instead; `socap_rebuild_counters` recounts if a crash left any)."""
    states, marked = mongo.collection(mongo.WORKER_STATE), 0
    for campaign_id in states.distinct("campaign_id", {"handed_off_seq": {"$exists": False}}):
        top = (mongo.collection(mongo.COUNTERS).find_one({"_id": campaign_id}, {"seq": 1}) or {}).get("seq", 0)
        marked += states.update_many({"campaign_id": campaign_id, "handed_off_seq": {"$exists": False}},
                                     {"$set": {"handed_off_seq": int(top)}}).modified_count
    return marked


def _counters():
    return mongo.collection(mongo.COUNTERS)


def claim_planner(campaign_id: str, owner: str, now: dt.datetime, until: dt.datetime) -> dict | None:
    """Claim the campaign's alert planning until `until` unless a live claim holds it; the counter, or None."""
    _counters().update_one({"_id": campaign_id}, {"$setOnInsert": {"seq": 0}}, upsert=True)
    return _counters().find_one_and_update(
        {"_id": campaign_id, "$or": [{"planner_until": None}, {"planner_until": {"$lt": now}}]},
        {"$set": {"planner_owner": owner, "planner_until": until}},
        return_document=mongo.ReturnDocument.AFTER,
    )


def planning_cycle(campaign_id: str, owner: str, cycle_id: str) -> None:
    """Record the cycle the claim holder is planning, so a planner that dies leaves it to the next one."""
    _counters().update_one({"_id": campaign_id, "planner_owner": owner}, {"$set": {"planner_cycle": cycle_id}})


def fix_window(cycle: dict, owner: str) -> tuple[int, int]:
    """Fix the cycle's window (alert_seq, seq] on the cycle, then move `alert_seq` past it (claim holder only)."""
    campaign_id = cycle["campaign_id"]
    counter = _counters().find_one({"_id": campaign_id}) or {}
    start = int(counter.get("alert_seq") or 0)
    end = max(start, int(counter.get("seq") or 0))
    mongo.collection(mongo.POLL_CYCLES).update_one({"_id": cycle["_id"]},
                                                   {"$set": {"seq_from": start, "seq_to": end}})
    _counters().update_one({"_id": campaign_id, "planner_owner": owner}, {"$max": {"alert_seq": end}})
    return start, end


def cycle_planned(campaign_id: str, owner: str, cycle_id: str) -> None:
    _counters().update_one({"_id": campaign_id, "planner_owner": owner, "planner_cycle": cycle_id},
                           {"$unset": {"planner_cycle": ""}})


def release_planner(campaign_id: str, owner: str) -> None:
    _counters().update_one({"_id": campaign_id, "planner_owner": owner},
                           {"$set": {"planner_owner": None, "planner_until": None}})
