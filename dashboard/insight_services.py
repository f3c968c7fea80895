"""Write-time numbers behind reach, impressions, rankings and the sentiment mix.

Definitions (the industry's, as Tweet Binder and TweetReach use them):
- potential reach: the followers of the unique accounts that engaged, each
  account counted once (per campaign, per tweet category, per tweet);
- potential impressions: the engager's followers summed over every engagement.

Everything is counted when the engagements are handed off, so reads stay
O(buckets) or O(25) at any volume. "First time this account engaged this
tweet / tweet category / campaign" is a claim: a small row inserted with the
engagements themselves (one round trip, keyed by `_id` = campaign, account and
scope), and an insert the unique `_id` refused means someone engaged there
first. A claim names the engagement that made it (`seq`), so a hand-off rerun
after a crash can tell its own claims from others'. Followers are the count
seen at the account's first engagement in that scope.

Rankings are bounded lists on one document per campaign, merged on the server
by one pipeline update (concatenate, drop repeats, sort, keep 25), so a page
never reads them first; the most important and the most engaged accounts are
read from the account rows by closed windows over a score histogram
(dashboard/paging.py), like the engagers table.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from dashboard import paging
from ingestion.contract import TIME_BEFORE
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
    """(scope, user) -> the batch's first stored engagement in that scope.

    Store order (`seq`), not the engagement's timestamp: live, the first page that stores an account
    claims it, even when a later page brings an older reply; a recount replays many pages in one batch
    and must pick the same engagement. Unnumbered documents of old versions fall back to their time.
    """
    first: dict[tuple[str, str], dict] = {}
    for doc in sorted(docs, key=lambda d: (d.get("seq", 0), d["timestamp"])):
        for scope in ("all", f"cat:{doc['tweet_category']}", f"tweet:{doc['tweet_id']}"):
            first.setdefault((scope, doc["user_id"]), doc)
    return first


def claim_id(campaign_id: str, scope: str, user_id: str) -> str:
    return f"{campaign_id}|{user_id}|{scope}"


def add_claims(campaign_id: str, docs: list[dict], writes: mongo.Writes) -> None:
    """Insert a claim per (scope, account) the batch touches, into the batch that stores the engagements."""
    claims = {}
    for (scope, user_id), doc in _first_by_scope(docs).items():
        # The `_id` is the only index: a claim costs one index entry.
        row = {"_id": claim_id(campaign_id, scope, user_id), "seq": doc.get("seq", 0), "followers": _followers(doc)}
        claims[(scope, user_id)] = writes.add(mongo.insert_op(mongo.ACCOUNT_SCOPES, row))
    writes.notes["claims"] = claims


def won_claims(campaign_id: str, docs: list[dict], claims: mongo.Writes, recovered: bool) -> list[tuple[str, str]]:
    """The (scope, account) pairs these engagements were first in.

    An accepted insert is a first. A refused one is someone else's, except on a rerun after a crash
    (`recovered`): the claim may be the one this very engagement inserted before the crash, so the
    refused claims are read back (one `_id` lookup) and kept when they name this engagement.
    """
    first = _first_by_scope(docs)
    positions = claims.notes.get("claims", {})
    won = [key for key, index in positions.items() if index not in claims.refused and key in first]
    refused = [key for key, index in positions.items() if index in claims.refused and key in first]
    if recovered and refused:
        rows = mongo.collection(mongo.ACCOUNT_SCOPES).find(
            {"_id": {"$in": [claim_id(campaign_id, *key) for key in refused]}}, {"seq": 1})
        held = {row["_id"]: row.get("seq") for row in rows}
        won += [key for key in refused if held.get(claim_id(campaign_id, *key)) == first[key].get("seq", 0)]
    return won


def _engaged_tweets(new_tweets: dict[str, list[str]], before: dict[str, dict]) -> Counter:
    """The moves in the distinct-tweets histogram (the account rows' `$inc` is added by their own update).

    `before` is the account rows as read before this hand-off (dashboard/services.py). A concurrent
    hand-off adding a tweet to the same account in between leaves it one bucket off: paging then
    reads a little more, never misses a row (dashboard/paging.py).
    """
    stats: Counter = Counter()
    for user_id, tweets in new_tweets.items():
        old = int((before.get(user_id) or {}).get("distinct_tweets") or 0)
        if old:
            stats[f"engaged_hist.{paging.score_key(old)}"] -= 1
        stats[f"engaged_hist.{paging.score_key(old + len(tweets))}"] += 1
    return stats


def _entry(doc: dict) -> dict:
    profile = doc.get("account_profile") or {}
    return {"user_id": doc["user_id"], "username": profile.get("username", ""), "name": profile.get("name", ""),
            "followers": _followers(doc), "account_category": doc.get("account_category") or "others",
            "importance": float(doc.get("importance_score") or 0)}


def _missing(field: str) -> dict:
    return {"$ifNull": [f"${field}", []]}


def _earlier(a: str, b: str) -> dict:
    """Aggregation expression: entry $$a came before entry $$b (time, then sequence number)."""
    return {"$or": [{"$lt": [f"$${a}.at", f"$${b}.at"]},
                    {"$and": [{"$eq": [f"$${a}.at", f"$${b}.at"]}, {"$lt": [f"$${a}.seq", f"$${b}.seq"]}]}]}


def _any(items, var: str, condition: dict) -> dict:
    return {"$anyElementTrue": [{"$map": {"input": items, "as": var, "in": condition}}]}


def _top(items: dict, sort: dict) -> dict:
    return {"$slice": [{"$sortArray": {"input": items, "sortBy": sort}}, TOP]}


def _ranking_update(campaign_id: str, docs: list[dict], new_accounts: list[dict]) -> list[dict] | None:
    """One pipeline update merging this hand-off's candidates into the three top-25 lists.

    The merge runs on the server against the lists as they are when it applies, so concurrent
    hand-offs cannot lose an entry or list an account twice, and no read precedes it.
    """
    stage: dict = {}
    # Only a batch's own top 25 can reach a merged top 25 (twice that for texts, where accounts already
    # listed drop out): the server sorts at most 50 + 25 entries per list, whatever the batch's size.
    if new_accounts:
        # Each account is new exactly once (its claim), so no entry can repeat.
        new_accounts = sorted(new_accounts, key=lambda d: (-_followers(d), d["user_id"]))[:TOP]
        entries = [_entry(doc) for doc in new_accounts]
        stage["widest_reach"] = _top({"$concatArrays": [_missing("widest_reach"), {"$literal": entries}]},
                                     {"followers": -1, "user_id": 1})
    earliest: dict[str, dict] = {}
    for doc in sorted(docs, key=lambda d: (d["timestamp"], d.get("seq", 0))):
        # A backfilled retweet's time is unknown (it happened before monitoring): it cannot rank by time.
        if doc["tweet_category"] == MAIN_TWEET and doc.get("time_precision") != TIME_BEFORE:
            earliest.setdefault(doc["user_id"], doc)
    earliest = dict(sorted(earliest.items(), key=lambda item: (item[1]["timestamp"], item[1].get("seq", 0)))[:TOP])
    if earliest:
        movers = [{**_entry(doc), "at": doc["timestamp"], "seq": doc.get("seq", 0), "action_type": doc["action_type"],
                   "tweet_id": doc["tweet_id"], "time_precision": doc.get("time_precision", "exact")}
                  for doc in earliest.values()]
        same_user = {"$eq": ["$$old.user_id", "$$new.user_id"]}
        stage["first_movers"] = {"$let": {"vars": {"listed": _missing("first_movers"), "cands": {"$literal": movers}},
                                          "in": _top({"$concatArrays": [
            # Listed entries stay unless a candidate of the same account came earlier ...
            {"$filter": {"input": "$$listed", "as": "old", "cond": {"$not": [
                _any("$$cands", "new", {"$and": [same_user, _earlier("new", "old")]})]}}},
            # ... and candidates enter unless their account is listed no later.
            {"$filter": {"input": "$$cands", "as": "new", "cond": {"$not": [
                _any("$$listed", "old", {"$and": [same_user, {"$not": [_earlier("new", "old")]}]})]}}},
        ]}, {"at": 1, "seq": 1})}}
    texts: dict[str, dict] = {}
    for doc in docs:
        if doc.get("text") and doc["action_type"] in ("reply", "quote"):
            texts.setdefault(doc["user_id"], doc)
    texts = dict(sorted(texts.items(), key=lambda item: (-float(item[1].get("importance_score") or 0),
                                                        -_followers(item[1]), item[0]))[:2 * TOP])
    if texts:
        entries = [{**_entry(doc), "text": doc["text"], "action_type": doc["action_type"],
                    "tweet_category": doc["tweet_category"], "engagement_tweet_id": doc.get("engagement_tweet_id"),
                    "sentiment": doc.get("sentiment"), "sentiment_score": doc.get("sentiment_score")}
                   for doc in texts.values()]
        # One entry per account: an account already listed keeps its entry.
        listed_users = {"$map": {"input": "$$listed", "as": "old", "in": "$$old.user_id"}}
        stage["top_texts"] = {"$let": {"vars": {"listed": _missing("top_texts"), "cands": {"$literal": entries}},
                                       "in": _top({"$concatArrays": ["$$listed", {"$filter": {
                                           "input": "$$cands", "as": "new", "cond": {"$not": [
                                               {"$in": ["$$new.user_id", listed_users]}]}}}]},
                                           {"importance": -1, "followers": -1, "user_id": 1})}}
    return [{"$set": stage}] if stage else None


def add_record(campaign_id: str, docs: list[dict], won: list[tuple[str, str]], before: dict[str, dict],
               writes: mongo.Writes) -> tuple[Counter, dict[str, int]]:
    """Add a hand-off's hours, reach and rankings to `writes`.

    Returns the campaign_stats increments and, per account, how many tweets it engaged for the first
    time (its row's `distinct_tweets` increment, written with the account row).
    """
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
    new_accounts, new_tweets = [], defaultdict(list)
    for scope, user_id in won:
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
    stats.update(_engaged_tweets(new_tweets, before))
    for hour, counts in hours.items():
        writes.add(mongo.update_op(mongo.CAMPAIGN_HOURS, {"campaign_id": campaign_id, "hour": hour},
                                   {"$inc": dict(counts)}, upsert=True))
    update = _ranking_update(campaign_id, docs, new_accounts)
    if update:
        writes.add(mongo.update_op(mongo.RANKINGS, {"_id": campaign_id}, update, upsert=True))
    return stats, {user_id: len(tweets) for user_id, tweets in new_tweets.items()}
