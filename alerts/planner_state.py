"""The alert planner's own state, one document per campaign in `alert_planner` (`_id` = campaign id):
the claim (`owner`, `until`), the cycle being planned (`cycle`) and `alert_seq`, how far the
planned windows reach. Ingestion hands out the sequence numbers (its `last_seq`); what the planner
has planned of them is the planner's business, kept here.

Every write filters on `_id` plus the claim holder, so a planner that lost its claim changes nothing.
"""

from __future__ import annotations

import datetime as dt

from ingestion.polling import poll_cycles
from ingestion.storing import numbering
from ingestion.storing.engagements import last_seq
from socap_project import mongo


def _state():
    return mongo.collection(mongo.ALERT_PLANNER)


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
    """Fix the cycle's window (alert_seq, last seq handed out] on the cycle, then move `alert_seq` past it."""
    campaign_id = cycle["campaign_id"]
    start = alert_seq(campaign_id)
    end = max(start, last_seq(campaign_id))
    poll_cycles.record_window(cycle["_id"], start, end)
    _state().update_one({"_id": campaign_id, "owner": owner}, {"$max": {"alert_seq": end}})
    return start, end


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
    for campaign_id, planned_through in numbering.alert_seqs_on_counters():
        _state().update_one({"_id": campaign_id}, {"$max": {"alert_seq": planned_through},
                                                   "$setOnInsert": {"until": None}}, upsert=True)
        numbering.forget_alert_seq(campaign_id)  # after the copy: a crash in between copies it again ($max)
        moved += 1
    return moved
