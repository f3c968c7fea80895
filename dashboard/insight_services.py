"""Write-time numbers behind reach, impressions, rankings and the sentiment mix.

Definitions (the industry's, as Tweet Binder and TweetReach use them):
- potential reach: the followers of the unique accounts that engaged, each
  account counted once (per campaign, per tweet category, per tweet);
- potential impressions: the engager's followers summed over every engagement.

Everything is counted when the engagements are handed off, so reads stay
O(buckets) or O(25) at any volume. "First time this account engaged this
tweet / tweet category / campaign" comes from upserts into small scope rows
(unique per campaign, scope and account): an upsert that inserted is the first
time, whichever process got there first. Followers are the count seen at the
account's first engagement in that scope.

Rankings are bounded lists on one document per campaign, kept with
`$push` + `$sort` + `$slice` (one entry per account); the most important and
the most engaged accounts are read from the account rows by closed windows
over a score histogram (dashboard/paging.py), like the engagers table.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from dashboard import paging
from ingestion.engagements import TIME_BEFORE
from socap_project import mongo
from socap_project.vocabulary import MAIN_TWEET

TOP = 25
# campaign_stats fields this module increments (cleared by a rebuild).
STAT_FIELDS = ("reach", "impressions", "reach_by_tweet_category", "impressions_by_tweet_category",
               "reach_by_tweet", "impressions_by_tweet", "by_sentiment", "engaged_hist")
RANKING_LISTS = ("widest_reach", "first_movers", "top_texts")


def _followers(doc: dict) -> int:
    return int((doc.get("account_profile") or {}).get("followers", 0) or 0)


def _hour(doc: dict):
    # Backfilled retweets have no known time: the "before monitoring" bucket, as in the rollups.
    return None if doc.get("time_precision") == TIME_BEFORE else doc["hour"]


def _first_by_scope(docs: list[dict]) -> dict[tuple[str, str], dict]:
    """(scope, user) -> the earliest of the batch's engagements in that scope."""
    first: dict[tuple[str, str], dict] = {}
    for doc in sorted(docs, key=lambda d: (d["timestamp"], d.get("seq", 0))):
        for scope in ("all", f"cat:{doc['tweet_category']}", f"tweet:{doc['tweet_id']}"):
            first.setdefault((scope, doc["user_id"]), doc)
    return first


def _claim_scopes(campaign_id: str, first: dict[tuple[str, str], dict]) -> list[tuple[str, str]]:
    """Upsert one row per (scope, account); return the pairs this call inserted (first engagements)."""
    keys = list(first)
    ops = [mongo.UpdateOne({"campaign_id": campaign_id, "scope": scope, "user_id": user_id},
                           {"$setOnInsert": {"followers": _followers(first[(scope, user_id)])}}, upsert=True)
           for scope, user_id in keys]
    try:
        inserted = mongo.collection(mongo.ACCOUNT_SCOPES).bulk_write(ops, ordered=False).upserted_ids
    except mongo.BulkWriteError as exc:
        # A concurrent hand-off inserted the same row first: it counted that first engagement.
        if any(error.get("code") != 11000 for error in exc.details.get("writeErrors", [])):
            raise
        inserted = {item["index"]: item["_id"] for item in exc.details.get("upserted", [])}
    return [keys[index] for index in sorted(inserted)]


def _engaged_tweets(campaign_id: str, new_tweets: dict[str, list[str]], new_accounts: set[str]) -> Counter:
    """Add newly touched tweets to the account rows; return the moves in the distinct-tweets histogram."""
    stats: Counter = Counter()
    if not new_tweets:
        return stats
    accounts = mongo.collection(mongo.CAMPAIGN_ACCOUNTS)
    # Known accounts on a new tweet move up in the histogram: their current counts in one `$in` lookup
    # (a point lookup each on the unique index) instead of a round trip per account. A concurrent
    # hand-off adding a tweet to the same account in between leaves it one bucket off: paging then
    # reads a little more, never misses a row (dashboard/paging.py).
    known = [user_id for user_id in new_tweets if user_id not in new_accounts]
    before = {row["user_id"]: int(row.get("distinct_tweets") or 0) for row in accounts.find(
        {"campaign_id": campaign_id, "user_id": {"$in": known}}, {"user_id": 1, "distinct_tweets": 1})} \
        if known else {}
    ops = []
    for user_id, tweets in new_tweets.items():
        old = before.get(user_id, 0)
        if old:
            stats[f"engaged_hist.{paging.score_key(old)}"] -= 1
        stats[f"engaged_hist.{paging.score_key(old + len(tweets))}"] += 1
        ops.append(mongo.UpdateOne({"campaign_id": campaign_id, "user_id": user_id},
                                   {"$inc": {"distinct_tweets": len(tweets)},
                                    "$addToSet": {"tweets": {"$each": tweets}}}))
    accounts.bulk_write(ops, ordered=False)
    return stats


def _entry(doc: dict) -> dict:
    profile = doc.get("account_profile") or {}
    return {"user_id": doc["user_id"], "username": profile.get("username", ""), "name": profile.get("name", ""),
            "followers": _followers(doc), "account_category": doc.get("account_category") or "others",
            "importance": float(doc.get("importance_score") or 0)}


def _push_once(campaign_id: str, field: str, entry: dict, sort: dict) -> mongo.UpdateOne:
    """Add the account's entry unless the list already has one (atomic per document), keeping the top N."""
    return mongo.UpdateOne({"_id": campaign_id, f"{field}.user_id": {"$ne": entry["user_id"]}},
                           {"$push": {field: {"$each": [entry], "$sort": sort, "$slice": TOP}}})


def _last(lists: dict | None, field: str) -> dict | None:
    """The 25th entry of a full list: what a newcomer has to beat (None while the list has room)."""
    entries = (lists or {}).get(field) or []
    return entries[-1] if len(entries) >= TOP else None


def _ranking_ops(campaign_id: str, docs: list[dict], new_accounts: list[dict],
                 lists: dict | None) -> list[mongo.UpdateOne]:
    """Updates of the rankings document, skipping entries that cannot beat a full list's last one.

    `lists` was read before this hand-off; a concurrent one can only have raised the bar since, so a
    stale read lets through more candidates (the `$slice` drops them), never fewer.
    """
    # The campaign's one rankings document exists first; the conditional ops below must not upsert.
    ops = [] if lists else [
        mongo.UpdateOne({"_id": campaign_id}, {"$setOnInsert": dict.fromkeys(RANKING_LISTS, [])}, upsert=True)]
    bar = _last(lists, "widest_reach")
    new_accounts = [doc for doc in new_accounts if bar is None or _followers(doc) > bar["followers"]]
    if new_accounts:
        # Each account is new exactly once (its scope row), so no entry can repeat.
        ops.append(mongo.UpdateOne({"_id": campaign_id}, {"$push": {"widest_reach": {
            "$each": [_entry(doc) for doc in new_accounts], "$sort": {"followers": -1}, "$slice": TOP}}}))
    earliest: dict[str, dict] = {}
    for doc in sorted(docs, key=lambda d: (d["timestamp"], d.get("seq", 0))):
        # A backfilled retweet's time is unknown (it happened before monitoring): it cannot rank by time.
        if doc["tweet_category"] == MAIN_TWEET and doc.get("time_precision") != TIME_BEFORE:
            earliest.setdefault(doc["user_id"], doc)
    by_time = {"at": 1, "seq": 1}
    bar = _last(lists, "first_movers")
    earliest = {user_id: doc for user_id, doc in earliest.items()
                if bar is None or (doc["timestamp"], doc.get("seq", 0)) < (bar["at"], bar["seq"])}
    for doc in earliest.values():
        entry = {**_entry(doc), "at": doc["timestamp"], "seq": doc.get("seq", 0), "action_type": doc["action_type"],
                 "tweet_id": doc["tweet_id"], "time_precision": doc.get("time_precision", "exact")}
        ops.append(_push_once(campaign_id, "first_movers", entry, by_time))
        # Already listed with a later time (e.g. a retweet found before an older reply): move it earlier.
        ops.append(mongo.UpdateOne({"_id": campaign_id, "first_movers": {"$elemMatch": {"user_id": doc["user_id"],
                                                                     "at": {"$gt": doc["timestamp"]}}}},
                                   {"$set": {"first_movers.$": entry}}))
    if earliest:
        ops.append(mongo.UpdateOne({"_id": campaign_id},
                                   {"$push": {"first_movers": {"$each": [], "$sort": by_time, "$slice": TOP}}}))
    texts: dict[str, dict] = {}
    bar = _last(lists, "top_texts")
    for doc in docs:
        rank = (float(doc.get("importance_score") or 0), _followers(doc))
        if doc.get("text") and doc["action_type"] in ("reply", "quote") and (
                bar is None or rank > (bar["importance"], bar["followers"])):
            texts.setdefault(doc["user_id"], doc)
    for doc in texts.values():
        entry = {**_entry(doc), "text": doc["text"], "action_type": doc["action_type"],
                 "tweet_category": doc["tweet_category"], "engagement_tweet_id": doc.get("engagement_tweet_id"),
                 "sentiment": doc.get("sentiment"), "sentiment_score": doc.get("sentiment_score")}
        ops.append(_push_once(campaign_id, "top_texts", entry, {"importance": -1, "followers": -1}))
    return ops


def record(campaign_id: str, docs: list[dict]) -> Counter:
    """Count a hand-off's new engagements into hours, scopes and rankings; return campaign_stats increments."""
    stats: Counter = Counter()
    hours: dict = defaultdict(Counter)
    for doc in docs:
        followers = _followers(doc)
        stats["impressions"] += followers
        stats[f"impressions_by_tweet_category.{doc['tweet_category']}"] += followers
        stats[f"impressions_by_tweet.{doc['tweet_id']}"] += followers
        hour = hours[_hour(doc)]
        hour["impressions"] += followers
        hour["engagements"] += 1
        if doc.get("sentiment"):
            stats[f"by_sentiment.{doc['sentiment']}"] += 1
            hour[f"sentiment.{doc['sentiment']}"] += 1

    first = _first_by_scope(docs)
    claimed = _claim_scopes(campaign_id, first)
    new_accounts, new_tweets = [], defaultdict(list)
    for scope, user_id in claimed:
        doc = first[(scope, user_id)]
        followers = _followers(doc)
        if scope == "all":
            new_accounts.append(doc)
            stats["reach"] += followers
            hours[_hour(doc)]["reach"] += followers
            hours[_hour(doc)]["new_accounts"] += 1
            # Scores of the hour's new accounts: "important accounts by hour" at any threshold.
            hours[_hour(doc)][f"new_account_scores.{paging.score_key(doc.get('importance_score') or 0)}"] += 1
        elif scope.startswith("cat:"):
            stats[f"reach_by_tweet_category.{doc['tweet_category']}"] += followers
        else:
            stats[f"reach_by_tweet.{doc['tweet_id']}"] += followers
            new_tweets[user_id].append(doc["tweet_id"])
    stats.update(_engaged_tweets(campaign_id, new_tweets, {doc["user_id"] for doc in new_accounts}))

    mongo.collection(mongo.CAMPAIGN_HOURS).bulk_write([
        mongo.UpdateOne({"campaign_id": campaign_id, "hour": hour}, {"$inc": dict(counts)}, upsert=True)
        for hour, counts in hours.items()], ordered=False)
    rankings = mongo.collection(mongo.RANKINGS)
    ops = _ranking_ops(campaign_id, docs, new_accounts, rankings.find_one({"_id": campaign_id}))
    if ops:
        # Ordered: the document exists before the conditional pushes, and a move precedes the re-sort.
        rankings.bulk_write(ops, ordered=True)
    return stats
