"""Storing engagers: one document per (campaign, tweet, account, action), see docs/data-model.md.

Bulk upserts with `$setOnInsert` for first-seen fields, so a page stored twice
(a redelivered task, two overlapping runs, a cursor reset) changes nothing but
`last_seen_at`. An account that replied several times to one tweet stays one
document: its reply ids accumulate (the reply count is their number), and the
text is the latest reply's.

Every new document gets a per-campaign sequence number `seq` at write time.
Reads page by closed windows of it (see dashboard/paging.py), which costs what
the window matches on any MongoDB-compatible engine, instead of a sort over
the campaign. One page costs two round trips: the importance lookup and one
ordered bulk write; sequence numbers are reserved once per job run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ingestion import classifier, importance, sentiment
from socap_project import mongo

ACTION_OF_JOB = {"retweets": "retweet", "replies": "reply", "quotes": "quote"}

# How precisely `timestamp` says when an engagement happened. Providers give
# replies and quotes their creation time; retweeters come without one, so a
# retweet is stamped when first seen: within one poll interval of the truth,
# except in a tweet's first (backfill) run, where it happened at some unknown
# time before monitoring began.
TIME_EXACT, TIME_POLL, TIME_BEFORE = "exact", "poll", "before_monitoring"


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
    new: list[dict] = field(default_factory=list)  # documents inserted by this call, as stored
    seen: int = 0  # distinct accounts on the page
    reached_older: bool = False  # the page holds an engagement stored before this run


class SeqBlock:
    """Per-campaign sequence numbers, reserved in blocks with one `$inc` on the campaign's counter."""

    def __init__(self, campaign_id: str, expected: int = 0):
        self.campaign_id = campaign_id
        self.expected = max(0, expected)
        self.next = self.end = 0

    def take(self, count: int) -> list[int]:
        if self.end - self.next < count:
            # Reserve what this run is expected to find; unused numbers are harmless gaps.
            size = max(count, self.expected, 20)
            self.expected = 0
            self.end = reserve_seq(self.campaign_id, size) + 1
            self.next = self.end - size
        taken = list(range(self.next, self.next + count))
        self.next += count
        return taken


def reserve_seq(campaign_id: str, count: int) -> int:
    """Reserve `count` sequence numbers; return the last one (they are last-count+1 .. last)."""
    counter = mongo.collection(mongo.COUNTERS).find_one_and_update(
        {"_id": campaign_id}, {"$inc": {"seq": count}}, upsert=True, return_document=mongo.ReturnDocument.AFTER)
    return int(counter["seq"])


def last_seq(campaign_id: str) -> int:
    counter = mongo.collection(mongo.COUNTERS).find_one({"_id": campaign_id}, {"seq": 1})
    return int(counter["seq"]) if counter else 0


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _group(engagers: list[Engager]) -> dict[str, list[Engager]]:
    grouped: dict[str, list[Engager]] = {}
    for engager in engagers:
        grouped.setdefault(engager.user_id, []).append(engager)
    return grouped


def _bulk(ops: list) -> dict[int, object]:
    """Run ops in order; an upsert that lost a race to a concurrent insert is retried as an update.

    Ordered, because an account's latest-text update must follow its upsert.
    The race is rare (a lease keeps one runner per tweet and job), so the retry
    costs extra round trips only when it happens.
    """
    upserted: dict[int, object] = {}
    start = 0
    coll = mongo.collection(mongo.ENGAGEMENTS)
    while start < len(ops):
        try:
            result = coll.bulk_write(ops[start:], ordered=True)
            upserted.update({start + index: _id for index, _id in result.upserted_ids.items()})
            return upserted
        except mongo.BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != 11000 for error in errors):
                raise
            upserted.update({start + item["index"]: item["_id"] for item in exc.details.get("upserted", [])})
            # The failed upsert is rerun and now matches the concurrent insert.
            start += errors[0]["index"]
    return upserted


def _latest(items: list[Engager]) -> Engager | None:
    return max((i for i in items if i.timestamp), key=lambda i: i.timestamp, default=None)


def store_page(
    *,
    campaign_id: str,
    tweet_id: str,
    tweet_category: str,
    job_type: str,
    engagers: list[Engager],
    now: dt.datetime,
    inserted_this_run: set[str] | None = None,
    seqs: SeqBlock | None = None,
    backfill: bool = False,
) -> StoredPage:
    """Upsert one page of engagers.

    `inserted_this_run` collects the accounts this job run inserted: an account
    already stored that is not among them was stored by an earlier run, which
    is where an incremental run stops (lists are newest first).
    """
    action = ACTION_OF_JOB[job_type]
    grouped = _group(engagers)
    user_ids = list(grouped)
    result = StoredPage(seen=len(user_ids))
    if not user_ids:
        return result
    inserted_this_run = set() if inserted_this_run is None else inserted_this_run
    seqs = seqs or SeqBlock(campaign_id)
    key = {"campaign_id": campaign_id, "tweet_id": tweet_id, "action_type": action}
    known = importance.lookup(user_ids)
    numbers = seqs.take(len(user_ids))
    precision = TIME_EXACT if action != "retweet" else (TIME_BEFORE if backfill else TIME_POLL)

    ops, inserts, text_ops = [], [], []
    for seq, (user_id, items) in zip(numbers, grouped.items()):
        first = items[0]
        profile = {
            "username": first.username, "name": first.name, "bio": first.bio, "location": first.location,
            "followers": first.followers, "verified": first.verified,
        }
        engaged_at = min((i.timestamp for i in items if i.timestamp), default=now)
        on_insert = {**key, "user_id": user_id, "tweet_category": tweet_category, "created_at": now,
                     "dispatched": False, "seq": seq, "time_precision": precision}
        if action == "retweet":
            on_insert.update(text=None, engagement_tweet_id=None)
        current = {
            "account_profile": profile,
            "account_category": classifier.categorize(first.bio, first.name),
            "importance_score": known[user_id]["score"],
            "followed_by": known[user_id]["followed_by"],
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
        inserts.append({**on_insert, **current, "timestamp": engaged_at, "hour": _hour(engaged_at),
                        **({"engagement_tweet_ids": list(dict.fromkeys(reply_ids))} if reply_ids else {})})
        latest = _latest(items)
        if latest is not None:
            # Text and link of the newest reply/quote: only when newer than what is stored.
            # Scored here, in Python, so sentiment costs no round trip; it follows the text shown.
            text = {"text": latest.text, "engagement_tweet_id": latest.engagement_tweet_id,
                    "latest_at": latest.timestamp, **sentiment.score(latest.text)}
            text_ops.append(mongo.UpdateOne(
                {**key, "user_id": user_id, "$or": [{"latest_at": None}, {"latest_at": {"$lt": latest.timestamp}}]},
                {"$set": text}))
            inserts[-1].update(text)

    upserted = _bulk(ops + text_ops)
    for index, user_id in enumerate(user_ids):
        if index in upserted:
            inserted_this_run.add(user_id)
            result.new.append({**inserts[index], "_id": upserted[index]})
        elif user_id not in inserted_this_run:
            result.reached_older = True
    return result


def reply_count(doc: dict) -> int:
    """How many replies (or quotes) the account's one engagement document stands for."""
    ids = doc.get("engagement_tweet_ids")
    return len(ids) if ids else int(doc.get("reply_count", 1) or 1)
