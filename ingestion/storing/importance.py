"""Importance score: the sum of weights of the important people who follow an account (docs/ingestion.md)."""

from __future__ import annotations

from socap_project import mongo


TOP_FOLLOWERS = 5  # how many of the important followers an engagement carries, heaviest first


def top_followers(followers: list[dict], limit: int = TOP_FOLLOWERS) -> list[dict]:
    """The heaviest important followers, so a score reads as "followed by @a (10), @b (8)"."""
    ranked = sorted(followers or [], key=lambda f: (-float(f.get("weight", 0)), f.get("username", "")))
    return [{"username": f.get("username", ""), "weight": float(f.get("weight", 0))} for f in ranked[:limit]]


def lookup(user_ids: list[str]) -> dict[str, dict]:
    """Score and top followers per account, in one query for a page of engagers; unknown accounts score 0."""
    if not user_ids:
        return {}
    found = mongo.collection(mongo.FOLLOWING_INDEX).find(
        {"user_id": {"$in": list(set(user_ids))}}, {"_id": 0, "user_id": 1, "score": 1, "followers": 1}
    )
    known = {doc["user_id"]: {"score": float(doc.get("score", 0)), "followed_by": top_followers(doc.get("followers"))}
             for doc in found}
    return {user_id: known.get(user_id, {"score": 0.0, "followed_by": []}) for user_id in user_ids}


def scores_for(user_ids: list[str]) -> dict[str, float]:
    return {user_id: found["score"] for user_id, found in lookup(user_ids).items()}


def followed_by(user_id: str) -> list[dict]:
    """One point lookup: the account's heaviest important followers (alerts queued before this was stored)."""
    doc = mongo.collection(mongo.FOLLOWING_INDEX).find_one({"user_id": str(user_id)}, {"_id": 0, "followers": 1})
    return top_followers(doc.get("followers")) if doc else []


def entry(user_id: str, followers: list[dict]) -> dict:
    """A following_index document; the score is stored so lookups need no aggregation."""
    clean = [
        {"id": str(f["id"]), "username": f.get("username", ""), "weight": float(f.get("weight", 0))}
        for f in followers
    ]
    return {"user_id": str(user_id), "followers": clean, "score": round(sum(f["weight"] for f in clean), 4)}


def upsert_entries(entries: list[dict]) -> int:
    ops = [mongo.UpdateOne({"user_id": e["user_id"]}, {"$set": e}, upsert=True) for e in entries]
    if not ops:
        return 0
    result = mongo.collection(mongo.FOLLOWING_INDEX).bulk_write(ops, ordered=False)
    return result.upserted_count + result.modified_count
