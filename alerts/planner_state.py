"""The alert planner's own state.

- `alert_planner`, one document per campaign (`_id` = campaign id): the claim (`owner`, `until`),
  the cycle being planned (`cycle`) and `alert_seq`, how far the planned windows reach.
- `alert_cycle_plans`, one document per planned poll cycle (`_id` = cycle id): the window
  (seq_from, seq_to] fixed for it, then what planning found (`found`, `spike`).

Ingestion hands out the sequence numbers (its `last_seq`) and reports its cycles; what the planner
has planned of them is the planner's business, kept here. Every claim-guarded write filters on `_id`
plus the claim holder, so a planner that lost its claim changes nothing.
"""

from __future__ import annotations

import datetime as dt

from ingestion import selectors as ingestion_selectors
from ingestion import services as ingestion_services
from socap_project import mongo


def _state():
    return mongo.collection(mongo.ALERT_PLANNER)


def _plans():
    return mongo.collection(mongo.ALERT_CYCLE_PLANS)


def claim(campaign_id: str, owner: str, now: dt.datetime, until: dt.datetime) -> dict | None:
    """Claim the campaign's alert planning until `until` unless a live claim holds it; the state, or None."""
    _state().update_one({"_id": campaign_id}, {"$setOnInsert": {"alert_seq": 0, "until": None}}, upsert=True)
    return _state().find_one_and_update(
        {"_id": campaign_id, "$or": [{"until": None}, {"until": {"$lt": now}}]},
        {"$set": {"owner": owner, "until": until}},
        return_document=mongo.ReturnDocument.AFTER,
    )


def planning_cycle(campaign_id: str, owner: str, cycle_id: str) -> None:
    """Record the cycle the claim holder is planning, so a planner that dies leaves it to the next one."""
    _state().update_one({"_id": campaign_id, "owner": owner}, {"$set": {"cycle": cycle_id}})


def fix_window(cycle: dict, owner: str) -> tuple[int, int]:
    """The cycle's window (alert_seq, last seq handed out], fixed once: a planner that died after fixing
    it leaves the next one the same window. `alert_seq` moves past it (again, harmlessly, on a rerun)."""
    campaign_id = cycle["campaign_id"]
    window = {"seq_from": 1, "seq_to": 1}
    plan = _plans().find_one({"_id": cycle["_id"]}, window)
    if plan is None:
        start = alert_seq(campaign_id)
        end = max(start, ingestion_selectors.last_seq(campaign_id))
        # Insert-if-absent and read back in one: a planner that fixed it meanwhile keeps its window.
        plan = _plans().find_one_and_update(
            {"_id": cycle["_id"]}, {"$setOnInsert": {"campaign_id": campaign_id, "seq_from": start, "seq_to": end}},
            projection=window, upsert=True, return_document=mongo.ReturnDocument.AFTER)
    _state().update_one({"_id": campaign_id, "owner": owner}, {"$max": {"alert_seq": plan["seq_to"]}})
    return plan["seq_from"], plan["seq_to"]


def record_outcome(cycle_id: str, *, found: int, spike: bool) -> None:
    """What planning found; when it happened is the poll cycle's `planned_at`."""
    _plans().update_one({"_id": cycle_id}, {"$set": {"found": found, "spike": spike}})


def plan_of(cycle_id: str) -> dict | None:
    """What the planner fixed and found for a cycle: {seq_from, seq_to, found, spike}."""
    return _plans().find_one({"_id": cycle_id})


def cycle_planned(campaign_id: str, owner: str, cycle_id: str) -> None:
    _state().update_one({"_id": campaign_id, "owner": owner, "cycle": cycle_id}, {"$unset": {"cycle": ""}})


def release(campaign_id: str, owner: str) -> None:
    _state().update_one({"_id": campaign_id, "owner": owner}, {"$set": {"owner": None, "until": None}})


def alert_seq(campaign_id: str) -> int:
    """How far the planned windows reach: engagements numbered up to here had their plan."""
    state = _state().find_one({"_id": campaign_id}, {"alert_seq": 1}) or {}
    return int(state.get("alert_seq") or 0)


def carry_over_from_counters() -> int:
    """Upgrade step (socap_init_db): the planner's state used to live on ingestion's counter documents;
    copy each campaign's `alert_seq` here, then drop it there, so no planned window is planned again and
    the next release reads nothing."""
    moved = 0
    for campaign_id, planned_through in ingestion_services.alert_seqs_on_counters():
        _state().update_one({"_id": campaign_id}, {"$max": {"alert_seq": planned_through},
                                                   "$setOnInsert": {"until": None}}, upsert=True)
        ingestion_services.forget_alert_seq(campaign_id)  # after the copy: a crash in between copies it again ($max)
        moved += 1
    return moved


def carry_over_windows() -> int:
    """Upgrade step (socap_init_db): windows used to be fixed on ingestion's poll cycles. A cycle in flight
    whose window was fixed there (its planner died) keeps it, so its engagements are planned, once."""
    moved = 0
    for cycle in ingestion_selectors.unplanned_cycles():
        if cycle.get("seq_to") is not None:
            result = _plans().update_one({"_id": cycle["_id"]}, {"$setOnInsert": {
                "campaign_id": cycle["campaign_id"], "seq_from": cycle["seq_from"], "seq_to": cycle["seq_to"]}},
                upsert=True)
            moved += bool(result.upserted_id)
    return moved
