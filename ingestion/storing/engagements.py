"""Storing engagers: one document per (campaign, tweet, account, action), see docs/data-model.md.

An unordered insert guarded by the unique index, then an update of the ones
already stored, so a page stored twice (a redelivered task, two overlapping
runs, a cursor reset) changes nothing but `last_seen_at` and the profile. An
account that replied several times to one tweet stays one document: its reply
ids accumulate (the reply count is their number), and the text is the latest
reply's.

Every new document gets a per-campaign sequence number `seq` at write time.
Reads page by closed windows of it (see dashboard/paging.py), which costs what
the window matches on any MongoDB-compatible engine, instead of a sort over
the campaign. Building a page costs one round trip (the importance lookup);
its insert goes out in the page's first write together with the first-sighting
claims, and the updates of engagers already stored (in a delta run, only the
page where it stops) in its second, with the counters (ingestion/storing/handoff.py).
Every write filter is an equality on the unique key. Sequence numbers are
reserved once per job run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ingestion.contract import TIME_BEFORE, TIME_EXACT, TIME_POLL
from ingestion.storing import classifier, importance, sentiment
from socap_project import mongo
from socap_project.vocabulary import ACTION_OF_PLURAL as ACTION_OF_JOB  # a list job is named by its action's plural

# How precisely `timestamp` says when an engagement happened. Providers give
# replies and quotes their creation time; retweeters come without one, so a
# retweet is stamped when first seen: within one poll interval of the truth,
# except in a tweet's first (backfill) run, where it happened at some unknown
# time before monitoring began.


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
    counters = mongo.collection(mongo.COUNTERS)
    for _ in range(5):
        # Two first reservations race to create the counter: the loser gets a duplicate-key
        # error (mongod) or no document (the embedded engine); the counter exists now, so retry.
        try:
            counter = counters.find_one_and_update(
                {"_id": campaign_id}, {"$inc": {"seq": count}}, upsert=True,
                return_document=mongo.ReturnDocument.AFTER)
        except mongo.DuplicateKeyError:
            continue
        if counter is not None:
            return int(counter["seq"])
    raise RuntimeError(f"could not reserve sequence numbers for campaign {campaign_id}")


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


def _latest(items: list[Engager]) -> Engager | None:
    return max((i for i in items if i.timestamp), key=lambda i: i.timestamp, default=None)


def _newer_text(text: dict) -> list[dict]:
    """Pipeline update: the reply/quote text and its fields, only when newer than the stored one.

    A pipeline `$cond` instead of a `latest_at` range in the filter: the filter stays an equality
    on the unique key, which any engine answers with one index point lookup.
    """
    newer = {"$lt": [{"$ifNull": ["$latest_at", None]}, text["latest_at"]]}
    return [{"$set": {name: {"$cond": [newer, {"$literal": value}, f"${name}"]} for name, value in text.items()}}]


@dataclass
class PagePlan:
    """One page's engagement documents, built before the write that stores them."""

    campaign_id: str
    user_ids: list[str]
    docs: list[dict]  # one per account on the page, inserted unless already stored
    updates: list[list]  # per document: the updates applied instead when it was stored before
    inserted_this_run: set[str]
    positions: list[int] = field(default_factory=list)  # each document's insert in the batch

    def add_inserts(self, writes: mongo.Writes) -> None:
        self.positions = [writes.add(mongo.insert_op(mongo.ENGAGEMENTS, doc)) for doc in self.docs]

    def stored(self, refused: set[int]) -> tuple[StoredPage, list]:
        """What the insert stored, and the updates for the documents it refused as already stored."""
        result, updates = StoredPage(seen=len(self.user_ids)), []
        for index, user_id in enumerate(self.user_ids):
            if self.positions[index] not in refused:
                self.inserted_this_run.add(user_id)
                result.new.append(self.docs[index])
                continue
            updates += self.updates[index]
            if user_id not in self.inserted_this_run:
                result.reached_older = True
        return result, updates


def plan_page(
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
) -> PagePlan:
    """Build one page's documents (one round trip: the importance lookup).

    `inserted_this_run` collects the accounts this job run inserted: an account
    already stored that is not among them was stored by an earlier run, which
    is where an incremental run stops (lists are newest first).
    """
    action = ACTION_OF_JOB[job_type]
    grouped = _group(engagers)
    user_ids = list(grouped)
    plan = PagePlan(campaign_id, user_ids, [], [], set() if inserted_this_run is None else inserted_this_run)
    if not user_ids:
        return plan
    seqs = seqs or SeqBlock(campaign_id)
    key = {"campaign_id": campaign_id, "tweet_id": tweet_id, "action_type": action}
    known = importance.lookup(user_ids)
    numbers = seqs.take(len(user_ids))
    precision = TIME_EXACT if action != "retweet" else (TIME_BEFORE if backfill else TIME_POLL)

    for seq, (user_id, items) in zip(numbers, grouped.items(), strict=True):
        first = items[0]
        profile = {
            "username": first.username, "name": first.name, "bio": first.bio, "location": first.location,
            "followers": first.followers, "verified": first.verified,
        }
        engaged_at = min((i.timestamp for i in items if i.timestamp), default=now)
        current = {
            "account_profile": profile,
            "account_category": classifier.categorize(first.bio, first.name),
            "importance_score": known[user_id]["score"],
            "followed_by": known[user_id]["followed_by"],
            "last_seen_at": now,
        }
        doc = {**key, "user_id": user_id, "tweet_category": tweet_category, "created_at": now,
               "seq": seq, "time_precision": precision, **current, "timestamp": engaged_at, "hour": _hour(engaged_at)}
        if action == "retweet":
            doc.update(text=None, engagement_tweet_id=None)
        # For an account already stored: refresh its profile, keep the earliest time, add reply ids.
        update = {"$set": current, "$min": {"timestamp": engaged_at, "hour": _hour(engaged_at)}}
        reply_ids = list(dict.fromkeys(i.engagement_tweet_id for i in items if i.engagement_tweet_id))
        if reply_ids:
            doc["engagement_tweet_ids"] = reply_ids
            update["$addToSet"] = {"engagement_tweet_ids": {"$each": reply_ids}}
        unique = {**key, "user_id": user_id}
        ops = [mongo.update_op(mongo.ENGAGEMENTS, unique, update)]
        latest = _latest(items)
        if latest is not None:
            # Text and link of the newest reply/quote; on a stored document only when newer.
            # Scored here, in Python, so sentiment costs no round trip; it follows the text shown.
            text = {"text": latest.text, "engagement_tweet_id": latest.engagement_tweet_id,
                    "latest_at": latest.timestamp, **sentiment.score(latest.text)}
            doc.update(text)
            ops.append(mongo.update_op(mongo.ENGAGEMENTS, unique, _newer_text(text)))
        plan.docs.append(doc)
        plan.updates.append(ops)
    return plan


def store_page(**kwargs) -> StoredPage:
    """Store one page of engagers without handing it off (the hand-off is ingestion/storing/handoff.py's `ingest_page`).

    An unordered insert: the few documents already stored come back refused by the unique index and
    get their update instead (inserting is the engine's cheapest write; an upsert costs about 2.5x).
    """
    plan = plan_page(**kwargs)
    writes = mongo.Writes()
    plan.add_inserts(writes)
    writes.send()
    result, updates = plan.stored(writes.refused)
    if updates:
        again = mongo.Writes()
        for op in updates:
            again.add(op)
        again.send()
    return result


def reply_count(doc: dict) -> int:
    """How many replies (or quotes) the account's one engagement document stands for."""
    ids = doc.get("engagement_tweet_ids")
    return len(ids) if ids else int(doc.get("reply_count", 1) or 1)
