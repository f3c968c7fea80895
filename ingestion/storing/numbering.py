"""Sequence numbers after the fact: numbering engagements stored without one (older data, a
restored archive) before the dashboard recounts its rollups, and the hand-off marks of job states
written by earlier versions (socap_init_db)."""

from __future__ import annotations

from ingestion.storing.engagements import last_seq, reserve_seq
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
        marked += states.update_many({"campaign_id": campaign_id, "handed_off_seq": {"$exists": False}},
                                     {"$set": {"handed_off_seq": last_seq(campaign_id)}}).modified_count
    return marked


def alert_seqs_on_counters() -> list[tuple[str, int]]:
    """(campaign id, alert_seq) left on counter documents by versions that kept the alert planner's
    state there, for the upgrade (alerts/planner_state.py), which calls `forget_alert_seq` once it copied each."""
    return [(doc["_id"], int(doc["alert_seq"])) for doc in
            mongo.collection(mongo.COUNTERS).find({"alert_seq": {"$exists": True}}, {"alert_seq": 1})]


def forget_alert_seq(campaign_id: str) -> None:
    """Drop the planner's old fields from a counter document, so later releases do not read them again."""
    mongo.collection(mongo.COUNTERS).update_one({"_id": campaign_id}, {"$unset": {
        "alert_seq": "", "planner_owner": "", "planner_until": "", "planner_cycle": ""}})
