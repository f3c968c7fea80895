"""Writes other apps make to ingestion's engagement bookkeeping.

- Numbering engagements stored without a sequence number (older data, a
  restored archive) before the dashboard recounts its rollups.
"""

from __future__ import annotations

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

