"""Importance score: the sum of weights of the important people who follow an account (seed 6.2)."""

from __future__ import annotations

from socap_project import mongo


def scores_for(user_ids: list[str]) -> dict[str, float]:
    """One query for a page of engagers; unknown accounts score 0."""
    if not user_ids:
        return {}
    found = mongo.collection(mongo.FOLLOWING_INDEX).find(
        {"user_id": {"$in": list(set(user_ids))}}, {"_id": 0, "user_id": 1, "score": 1}
    )
    scores = {doc["user_id"]: float(doc.get("score", 0)) for doc in found}
    return {user_id: scores.get(user_id, 0.0) for user_id in user_ids}


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
