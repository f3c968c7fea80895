import datetime as dt
import json
import threading

import pytest
from django.core.management import call_command
from django.utils import timezone

from ingestion import importance, leases
from ingestion.engagements import Engager, store_page
from ingestion.worker_state import create_states
from socap_project import mongo


def engager(user_id, *, bio="", at=None, text=None, reply_id=None, followers=10):
    return Engager(user_id=user_id, username=f"u{user_id}", name=f"User {user_id}", bio=bio, location="",
                   followers=followers, verified=False, timestamp=at, text=text, engagement_tweet_id=reply_id)


def store(engagers, job="retweets", since=None, now=None):
    now = now or timezone.now()
    return store_page(campaign_id="c1", tweet_id="t1", tweet_category="main_twt", job_type=job,
                      engagers=engagers, now=now, since=since or now)


def test_import_following_index_jsonl_and_csv(mongo_db, tmp_path, capsys):
    jsonl = tmp_path / "index.jsonl"
    jsonl.write_text("\n".join(json.dumps(row) for row in [
        {"user_id": "1", "followers": [{"id": "a", "username": "vc_a", "weight": 5}, {"id": "b", "weight": 2.5}]},
        {"user_id": "2", "followers": []},
    ]))
    call_command("socap_import_following_index", str(jsonl))
    assert "2 accounts read" in capsys.readouterr().out
    csv_path = tmp_path / "edges.csv"
    csv_path.write_text("user_id,follower_id,follower_username,weight\n3,a,vc_a,4\n3,c,founder_c,1\n")
    call_command("socap_import_following_index", str(csv_path))
    assert importance.scores_for(["1", "2", "3", "404"]) == {"1": 7.5, "2": 0.0, "3": 5.0, "404": 0.0}


def test_import_rejects_bad_lines(mongo_db, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"user_id": "1"}\nnot json\n')
    with pytest.raises(Exception, match="bad.jsonl:2"):
        call_command("socap_import_following_index", str(bad))


def test_store_page_is_idempotent_and_scores_and_classifies(mongo_db):
    importance.upsert_entries([importance.entry("7", [{"id": "vc", "weight": 12}])])
    page = [engager("7", bio="General Partner at Foo Ventures"), engager("8", bio="Rust developer")]
    first = store(page)
    assert [doc["user_id"] for doc in first.new] == ["7", "8"]
    doc = mongo_db.engagements.find_one({"user_id": "7"})
    assert doc["importance_score"] == 12 and doc["account_category"] == "vcs"
    assert doc["hour"] == doc["timestamp"].replace(minute=0, second=0, microsecond=0)
    second = store(page)
    assert second.new == [] and mongo_db.engagements.count_documents({}) == 2


def test_reached_older_only_for_documents_from_before_the_run(mongo_db):
    earlier = timezone.now() - dt.timedelta(minutes=30)
    store([engager("1")], now=earlier, since=earlier)
    run_start = timezone.now()
    fresh = store([engager("2")], since=run_start)
    assert fresh.reached_older is False
    again = store([engager("2"), engager("1")], since=run_start)
    assert again.reached_older is True


def test_two_replies_by_one_account_are_one_engagement_with_latest_text(mongo_db):
    t0 = timezone.now() - dt.timedelta(hours=2)
    store([engager("5", at=t0 + dt.timedelta(minutes=50), text="second", reply_id="r2"),
           engager("5", at=t0, text="first", reply_id="r1")], job="replies")
    doc = mongo_db.engagements.find_one({"user_id": "5", "action_type": "reply"})
    assert (doc["reply_count"], doc["text"], doc["engagement_tweet_id"]) == (2, "second", "r2")
    assert doc["timestamp"] == t0.replace(microsecond=(t0.microsecond // 1000) * 1000)
    # Seeing the same replies again changes nothing; a newer reply updates text and count.
    store([engager("5", at=t0, text="first", reply_id="r1")], job="replies")
    store([engager("5", at=t0 + dt.timedelta(hours=1), text="third", reply_id="r3")], job="replies")
    doc = mongo_db.engagements.find_one({"user_id": "5", "action_type": "reply"})
    assert (doc["reply_count"], doc["text"]) == (3, "third")
    assert mongo_db.engagements.count_documents({}) == 1


def test_concurrent_upserts_of_the_same_page_store_each_engagement_once(mongo_db):
    page = [engager(str(i)) for i in range(30)]
    errors = []

    def worker():
        try:
            store(page)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert mongo_db.engagements.count_documents({}) == 30


def test_lease_is_exclusive_until_released_or_expired(mongo_db, settings):
    create_states("c1", ["t1"])
    assert leases.acquire("c1", "t1", "retweets", "a") is not None
    assert leases.acquire("c1", "t1", "retweets", "b") is None
    assert leases.checkpoint("c1", "t1", "retweets", "b", {"cursor": "x"}) is False
    leases.release("c1", "t1", "retweets", "a", {"cursor": "c2"}, failed=True)
    state = leases.acquire("c1", "t1", "retweets", "b")
    assert state["cursor"] == "c2" and state["retry_count"] == 1
    # An expired lease (its runner died) can be taken over.
    mongo_db.worker_state.update_one({"job_type": "retweets"},
                                     {"$set": {"lease_until": timezone.now() - dt.timedelta(seconds=1)}})
    assert leases.acquire("c1", "t1", "retweets", "c")["lease_owner"] == "c"


def test_worker_states_created_once_per_job(mongo_db):
    assert create_states("c1", ["t1", "t2"]) == 8
    assert create_states("c1", ["t1", "t2"]) == 0
    assert {d["job_type"] for d in mongo.collection(mongo.WORKER_STATE).find()} == {
        "metrics", "retweets", "replies", "quotes"}
