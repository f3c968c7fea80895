import datetime as dt
import json
import os
import threading

import pytest
from django.conf import settings
from django.core.management import call_command
from pymongo import MongoClient
from django.utils import timezone

from ingestion.polling import leases

from ingestion.storing import importance
from ingestion.storing.engagements import Engager, SeqBlock, last_seq, reply_count, store_page
from ingestion.polling.worker_state import create_states
from socap_project import mongo


def engager(user_id, *, bio="", at=None, text=None, reply_id=None, followers=10):
    return Engager(user_id=user_id, username=f"u{user_id}", name=f"User {user_id}", bio=bio, location="",
                   followers=followers, verified=False, timestamp=at, text=text, engagement_tweet_id=reply_id)


def store(engagers, job="retweets", now=None, run=None, seqs=None):
    return store_page(campaign_id="c1", tweet_id="t1", tweet_category="main_twt", job_type=job,
                      engagers=engagers, now=now or timezone.now(), inserted_this_run=run, seqs=seqs)


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
    store([engager("1")], run=set())
    this_run: set[str] = set()
    fresh = store([engager("2")], run=this_run)
    assert fresh.reached_older is False and this_run == {"2"}
    # "2" moved to the next page while the run paged: still this run's, not a stop signal.
    assert store([engager("2")], run=this_run).reached_older is False
    assert store([engager("2"), engager("1")], run=this_run).reached_older is True


def _commands_of(call):
    """The MongoDB commands `call` sends (command monitoring on a client of its own)."""
    from pymongo import monitoring

    names: list[str] = []

    class Commands(monitoring.CommandListener):
        def started(self, event):
            names.append(event.command_name)

        def succeeded(self, event):
            pass

        def failed(self, event):
            pass

    mongo._client, mongo._client_pid = MongoClient(settings.MONGODB_URI, event_listeners=[Commands()]), os.getpid()
    try:
        return call(), list(names)
    finally:
        mongo.reset_client()


def test_page_write_is_two_round_trips_and_numbers_new_documents(mongo_db):
    seqs = SeqBlock("c1", expected=40)
    store([engager("0")], seqs=seqs)  # reserves the run's block

    def replies(ids):
        return store([engager(str(i), at=timezone.now(), text="hi", reply_id=f"r{i}") for i in ids],
                     job="replies", seqs=seqs)

    stored, commands = _commands_of(lambda: replies(range(1, 21)))
    assert commands == ["find", "bulkWrite"]  # importance lookup, one insert
    assert len(stored.new) == 20
    numbers = [doc["seq"] for doc in mongo_db.engagements.find({"action_type": "reply"})]
    assert sorted(numbers) == [doc["seq"] for doc in sorted(stored.new, key=lambda d: d["seq"])]
    assert len(set(numbers)) == 20 and min(numbers) > mongo_db.engagements.find_one({"user_id": "0"})["seq"]
    assert last_seq("c1") >= max(numbers)
    # A page that reaches stored engagers: their update is the one more round trip.
    again, commands = _commands_of(lambda: replies(range(15, 25)))
    assert commands == ["find", "bulkWrite", "bulkWrite"] and len(again.new) == 4


def test_two_replies_by_one_account_are_one_engagement_with_latest_text(mongo_db):
    t0 = timezone.now() - dt.timedelta(hours=2)
    store([engager("5", at=t0 + dt.timedelta(minutes=50), text="second", reply_id="r2"),
           engager("5", at=t0, text="first", reply_id="r1")], job="replies")
    doc = mongo_db.engagements.find_one({"user_id": "5", "action_type": "reply"})
    assert (reply_count(doc), doc["text"], doc["engagement_tweet_id"]) == (2, "second", "r2")
    assert doc["timestamp"] == t0.replace(microsecond=(t0.microsecond // 1000) * 1000)
    # Seeing the same replies again changes nothing; a newer reply updates text and count.
    store([engager("5", at=t0, text="first", reply_id="r1")], job="replies")
    store([engager("5", at=t0 + dt.timedelta(hours=1), text="third", reply_id="r3")], job="replies")
    doc = mongo_db.engagements.find_one({"user_id": "5", "action_type": "reply"})
    assert (reply_count(doc), doc["text"]) == (3, "third")
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


def test_backfilled_retweets_are_counted_before_monitoring(db, mongo_db, redis_conn):
    from dashboard import selectors
    from dashboard.services import record_engagements
    from tests.factories import make_campaign

    campaign = make_campaign()
    tweet = campaign.tweets.first()
    stamp = dict(campaign_id=campaign.mongo_id, tweet_id=tweet.tweet_id, tweet_category=tweet.category,
                 now=timezone.now())
    found = store_page(job_type="retweets", engagers=[engager("1"), engager("2")], backfill=True, **stamp)
    later = store_page(job_type="retweets", engagers=[engager("3")], **stamp)
    replies = store_page(job_type="replies", backfill=True, **stamp,
                         engagers=[engager("4", at=timezone.now() - dt.timedelta(hours=3), text="hi", reply_id="r")])
    assert [d["time_precision"] for d in found.new + later.new + replies.new] == [
        "before_monitoring", "before_monitoring", "poll", "exact"]
    record_engagements(campaign.mongo_id, found.new + later.new + replies.new)
    series = selectors.profile_timeseries(campaign, "hour")
    assert series["times"][0] == "before_monitoring"
    assert sum(values[0] for values in series["series"].values()) == 2
    assert sum(sum(values) for values in series["series"].values()) == 4


def test_concurrent_first_reservations_get_disjoint_blocks(mongo_db):
    from ingestion.storing.engagements import reserve_seq

    results, barrier = [], threading.Barrier(8)

    def reserve():
        barrier.wait()
        results.append(reserve_seq("fresh", 10))

    threads = [threading.Thread(target=reserve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each result ends a block of 10; blocks never overlap. A race the engine answered with no
    # document still spent its block: a gap, which paging tolerates.
    ends = sorted(results)
    assert len(ends) == 8 and all(b - a >= 10 for a, b in zip(ends, ends[1:], strict=False)) and ends[0] >= 10
    assert last_seq("fresh") >= ends[-1]
