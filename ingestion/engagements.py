"""Storing engagers: one document per (campaign, tweet, account, action), see docs/data-model.md.

Bulk upserts with `$setOnInsert` for first-seen fields, so a page stored twice
(a redelivered task, two overlapping runs, a cursor reset) changes nothing but
`last_seen_at`. An account that replied several times to one tweet stays one
document: its reply ids accumulate, `reply_count` follows them, and the text
is the latest reply's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ingestion import classifier, importance
from socap_project import mongo

ACTION_OF_JOB = {"retweets": "retweet", "replies": "reply", "quotes": "quote"}


@dataclass(frozen=True)
class Engager:
    """One account's engagement as read from a provider page."""

    user_id: str
    username: str
    name: str
    bio: str
    location: str
    followers: int
    verified: bool
    timestamp: dt.datetime | None = None  # reply/quote createdAt; retweeters carry no time
    text: str | None = None
    engagement_tweet_id: str | None = None


@dataclass
class StoredPage:
    new: list[dict] = field(default_factory=list)  # documents inserted by this call, with _id
    seen: int = 0  # distinct accounts on the page
    reached_older: bool = False  # the page holds an engagement stored before `since`


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _group(engagers: list[Engager]) -> dict[str, list[Engager]]:
    grouped: dict[str, list[Engager]] = {}
    for engager in engagers:
        grouped.setdefault(engager.user_id, []).append(engager)
    return grouped


def _bulk(ops: list) -> dict[int, object]:
    """Run ops unordered; an upsert that lost a race to a concurrent insert is retried as an update."""
    if not ops:
        return {}
    try:
        return dict(mongo.collection(mongo.ENGAGEMENTS).bulk_write(ops, ordered=False).upserted_ids)
    except mongo.BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != 11000 for error in errors):
            raise
        upserted = {item["index"]: item["_id"] for item in exc.details.get("upserted", [])}
        retry = [ops[error["index"]] for error in errors]
        mongo.collection(mongo.ENGAGEMENTS).bulk_write(retry, ordered=False)
        return upserted


def store_page(
    *,
    campaign_id: str,
    tweet_id: str,
    tweet_category: str,
    job_type: str,
    engagers: list[Engager],
    now: dt.datetime,
    since: dt.datetime,
) -> StoredPage:
    """Upsert one page of engagers; `since` is the start of this run (for delta detection)."""
    action = ACTION_OF_JOB[job_type]
    grouped = _group(engagers)
    user_ids = list(grouped)
    result = StoredPage(seen=len(user_ids))
    if not user_ids:
        return result
    key = {"campaign_id": campaign_id, "tweet_id": tweet_id, "action_type": action}
    existing = {
        doc["user_id"]: doc
        for doc in mongo.collection(mongo.ENGAGEMENTS).find(
            {**key, "user_id": {"$in": user_ids}}, {"user_id": 1, "created_at": 1}
        )
    }
    result.reached_older = any(doc["created_at"] < since for doc in existing.values())
    scores = importance.scores_for(user_ids)

    ops = []
    for user_id, items in grouped.items():
        first = items[0]
        profile = {
            "username": first.username, "name": first.name, "bio": first.bio, "location": first.location,
            "followers": first.followers, "verified": first.verified,
        }
        engaged_at = min((i.timestamp for i in items if i.timestamp), default=now)
        on_insert = {**key, "user_id": user_id, "tweet_category": tweet_category, "created_at": now,
                     "dispatched": False}
        if action == "retweet":
            on_insert.update(text=None, engagement_tweet_id=None, reply_count=1)
        current = {
            "account_profile": profile,
            "account_category": classifier.categorize(first.bio, first.name),
            "importance_score": scores[user_id],
            "last_seen_at": now,
        }
        update = {
            "$setOnInsert": on_insert,
            "$set": current,
            "$min": {"timestamp": engaged_at, "hour": _hour(engaged_at)},
        }
        reply_ids = [i.engagement_tweet_id for i in items if i.engagement_tweet_id]
        if reply_ids:
            update["$addToSet"] = {"engagement_tweet_ids": {"$each": reply_ids}}
        ops.append(mongo.UpdateOne({**key, "user_id": user_id}, update, upsert=True))

    upserted = _bulk(ops)
    if action != "retweet":
        _keep_latest_text(key, grouped)
    if upserted:
        new_ids = [user_ids[index] for index in sorted(upserted)]
        result.new = list(mongo.collection(mongo.ENGAGEMENTS).find({**key, "user_id": {"$in": new_ids}}))
    return result


def _keep_latest_text(key: dict, grouped: dict[str, list[Engager]]) -> None:
    """Text and link of the newest reply/quote, and the reply count, per account."""
    ops = []
    for user_id, items in grouped.items():
        latest = max((i for i in items if i.timestamp), key=lambda i: i.timestamp, default=None)
        if latest is None:
            continue
        ops.append(mongo.UpdateOne(
            {**key, "user_id": user_id, "$or": [{"latest_at": None}, {"latest_at": {"$lt": latest.timestamp}}]},
            {"$set": {"text": latest.text, "engagement_tweet_id": latest.engagement_tweet_id,
                      "latest_at": latest.timestamp}},
        ))
    if ops:
        mongo.collection(mongo.ENGAGEMENTS).bulk_write(ops, ordered=False)
    counts = []
    for doc in mongo.collection(mongo.ENGAGEMENTS).find(
        {**key, "user_id": {"$in": list(grouped)}}, {"user_id": 1, "engagement_tweet_ids": 1, "reply_count": 1}
    ):
        count = len(doc.get("engagement_tweet_ids") or []) or 1
        if doc.get("reply_count") != count:
            counts.append(mongo.UpdateOne({"_id": doc["_id"]}, {"$set": {"reply_count": count}}))
    if counts:
        mongo.collection(mongo.ENGAGEMENTS).bulk_write(counts, ordered=False)
