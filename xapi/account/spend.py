"""Live API spend: counters kept at write time, one `$inc` per provider call.

Every call's cost is recorded in credits.py, which bumps two counter documents
in `api_spend`: the campaign's running total (requests and credits per job
type) and the campaign's current hour, in one round trip. (Ingestion also keeps
one `api_usage` document per call, for the report and audits; summing that per
dashboard request would read every call the campaign ever made.) Reads are
point lookups by `_id` (see spend_selectors.py).

The same collection holds one document per API key with the provider's
"credits exhausted" (402) state (key_state.py), so a budget check reads campaign
spend and key state in one `$in` lookup.
"""

from __future__ import annotations

import datetime as dt

from socap_project import mongo

SPEND = "api_spend"
JOB_OF_ENDPOINT = {
    "/twitter/tweets": "metrics",
    "/twitter/tweet/retweeters": "retweets",
    "/twitter/tweet/replies": "replies",
    "/twitter/tweet/quotes": "quotes",
}
JOB_TYPES = tuple(JOB_OF_ENDPOINT.values())  # what spend is broken down by: the job each endpoint serves


def total_id(campaign_id: str) -> str:
    return f"campaign:{campaign_id}"


def hour_id(campaign_id: str, hour: dt.datetime) -> str:
    return f"campaign:{campaign_id}:{hour:%Y%m%d%H}"


def hour_of(moment: dt.datetime) -> dt.datetime:
    """The UTC hour an hour counter is named by."""
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def record(campaign_id: str, endpoint: str, credits: int, at: dt.datetime) -> None:
    job = JOB_OF_ENDPOINT.get(endpoint, "other")
    inc = {f"requests.{job}": 1, f"credits.{job}": credits, "requests_total": 1, "credits_total": credits}
    hour = hour_of(at)
    mongo.collection(SPEND).bulk_write([
        mongo.UpdateOne({"_id": total_id(campaign_id)},
                        {"$inc": inc, "$set": {"updated_at": at},
                         "$setOnInsert": {"campaign_id": campaign_id, "kind": "total", "first_at": at}},
                        upsert=True),
        mongo.UpdateOne({"_id": hour_id(campaign_id, hour)},
                        {"$inc": inc, "$setOnInsert": {"campaign_id": campaign_id, "kind": "hour", "hour": hour}},
                        upsert=True),
    ], ordered=False)


def claim_alert(campaign_id: str, level: int, budget: int, now: dt.datetime) -> bool:
    """True for the one caller that first sees this budget cross `level` percent (then it queues the alert)."""
    field = f"alerts.{level}_{budget}"
    result = mongo.collection(SPEND).update_one(
        {"_id": total_id(campaign_id), field: {"$exists": False}}, {"$set": {field: now}})
    return result.modified_count == 1


def forget_campaign(campaign_id: str) -> dict[str, int]:
    """The campaign's counters go with it (the key documents carry no campaign and stay)."""
    return mongo.delete_campaign_documents(campaign_id, (SPEND,))
