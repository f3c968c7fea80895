import datetime as dt

import pytest
from django.core.management import call_command

from socap_project import mongo


def test_round_trip_through_wire_server(mongo_db):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    doc = {"campaign_id": "c1", "tweet_id": "t1", "user_id": "u1", "action_type": "reply",
           "timestamp": now, "account_profile": {"username": "ada", "followers": 1200}}
    inserted = mongo.collection(mongo.ENGAGEMENTS).insert_one(doc).inserted_id
    found = mongo.collection(mongo.ENGAGEMENTS).find_one({"_id": inserted})
    assert found["account_profile"] == {"username": "ada", "followers": 1200}
    assert found["timestamp"] == now
    assert found["timestamp"].tzinfo is not None


def test_unique_index_rejects_duplicate_engagement(mongo_db):
    engagements = mongo.collection(mongo.ENGAGEMENTS)
    key = {"campaign_id": "c1", "tweet_id": "t1", "user_id": "u1", "action_type": "retweet"}
    engagements.insert_one(dict(key))
    with pytest.raises(mongo.DuplicateKeyError):
        engagements.insert_one(dict(key))
    # Same account, other action or other tweet: a different engagement.
    engagements.insert_one({**key, "action_type": "reply"})
    engagements.insert_one({**key, "tweet_id": "t2"})
    assert engagements.count_documents({"user_id": "u1"}) == 3


def test_bulk_upsert_is_idempotent(mongo_db):
    engagements = mongo.collection(mongo.ENGAGEMENTS)
    now = dt.datetime.now(dt.UTC)
    ops = [
        mongo.UpdateOne(
            {"campaign_id": "c1", "tweet_id": "t1", "user_id": f"u{i}", "action_type": "retweet"},
            {"$setOnInsert": {"created_at": now}, "$set": {"last_seen_at": now}},
            upsert=True,
        )
        for i in range(50)
    ]
    first = engagements.bulk_write(ops, ordered=False)
    second = engagements.bulk_write(ops, ordered=False)
    assert first.upserted_count == 50
    assert second.upserted_count == 0
    assert engagements.count_documents({}) == 50


def test_update_into_an_existing_key_is_rejected(mongo_db):
    engagements = mongo.collection(mongo.ENGAGEMENTS)
    base = {"campaign_id": "c1", "tweet_id": "t1", "action_type": "retweet"}
    engagements.insert_many([{**base, "user_id": "u1"}, {**base, "user_id": "u2"}])
    with pytest.raises(mongo.DuplicateKeyError):
        engagements.update_one({"user_id": "u2"}, {"$set": {"user_id": "u1"}})


def test_init_db_creates_every_index_once(mongo_db, capsys):
    for name in mongo.INDEXES:
        mongo.collection(name).drop()
    call_command("socap_init_db")
    first = capsys.readouterr().out
    expected = sum(len(specs) for specs in mongo.INDEXES.values()) + len(mongo.expiries())
    assert f"{expected} created, 0 already present" in first

    call_command("socap_init_db")
    second = capsys.readouterr().out
    assert f"0 created, {expected} already present" in second
    for coll_name, specs in mongo.INDEXES.items():
        info = mongo.collection(coll_name).index_information()
        for spec in specs:
            assert spec.name in info
            assert bool(info[spec.name].get("unique")) == spec.unique


def test_init_db_upgrades_an_earlier_version(mongo_db, capsys):
    """Drops the engagement indexes no read uses, rewrites first-sighting rows as claims, marks job states."""
    engagements = mongo.collection(mongo.ENGAGEMENTS)
    for keys in ([("campaign_id", 1), ("created_at", -1)], [("tweet_id", 1), ("timestamp", -1)],
                 [("importance_score", -1)], [("campaign_id", 1), ("dispatched", 1), ("tweet_id", 1),
                                              ("action_type", 1)]):
        engagements.create_index(keys)
    mongo.collection(mongo.ACCOUNT_SCOPES).insert_one(
        {"campaign_id": "7", "scope": "tweet:t1", "user_id": "u1", "followers": 42})
    mongo.collection(mongo.COUNTERS).insert_one({"_id": "7", "seq": 120})
    mongo.collection(mongo.WORKER_STATE).insert_one({"campaign_id": "7", "tweet_id": "t1", "job_type": "replies"})
    call_command("socap_init_db")
    assert "1 first-sighting rows to claims, 1 job states marked" in capsys.readouterr().out
    assert set(engagements.index_information()) == {"_id_"} | {spec.name for spec in mongo.INDEXES[mongo.ENGAGEMENTS]}
    assert len(engagements.index_information()) == 10
    assert list(mongo.collection(mongo.ACCOUNT_SCOPES).find()) == [{"_id": "7|u1|tweet:t1", "seq": 0, "followers": 42}]
    assert mongo.collection(mongo.WORKER_STATE).find_one({"campaign_id": "7"})["handed_off_seq"] == 120


def test_client_is_per_process(mongo_db):
    first = mongo.client()
    assert mongo.client() is first
    mongo.reset_client()
    assert mongo.client() is not first
