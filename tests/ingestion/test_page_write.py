"""The page write (ingestion/handoff.py): a fixed handful of round trips whatever the campaign's size,
equality-only write filters, and counters that survive a worker killed at any step."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from pymongo import MongoClient, monitoring

from dashboard import insight_services, services
from ingestion.polling import leases
from ingestion.storing import handoff, importance
from ingestion.storing.engagements import Engager, SeqBlock
from ingestion.polling.worker_state import create_states
from socap_project import mongo
from tests.factories import make_campaign

MAX_ROUND_TRIPS = 5


def engager(user_id: str, *, followers: int | None = None, at=None, text=None) -> Engager:
    # One follower count per account, so "followers at the first engagement" is the same whichever counts it.
    return Engager(user_id=user_id, username=f"u{user_id}", name=f"User {user_id}", bio="founder of things",
                   location="", followers=followers if followers is not None else 100 + int(user_id.strip("u")),
                   verified=False, timestamp=at, text=text, engagement_tweet_id=f"r{user_id}" if text else None)


class Commands(monitoring.CommandListener):
    def __init__(self):
        self.events: list[dict] = []

    def started(self, event):
        self.events.append({"name": event.command_name, "command": event.command})

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def _monitored(call):
    """Run `call` on a client of its own that records every command it sends."""
    listener = Commands()
    mongo._client, mongo._client_pid = MongoClient(settings.MONGODB_URI, tz_aware=True,
                                                   event_listeners=[listener]), os.getpid()
    try:
        return call(), list(listener.events)  # before the client's own goodbye (endSessions)
    finally:
        mongo.reset_client()


class Job:
    """One list job's runs as ingestion/polling/list_job.py makes them: lease, leftovers, pages."""

    def __init__(self, campaign, tweet, job_type: str):
        self.campaign, self.tweet, self.job_type = campaign, tweet, job_type
        self.seqs = SeqBlock(campaign.mongo_id, expected=400)

    def run(self, engagers: list[Engager], now=None):
        owner = leases.new_owner()
        state = leases.acquire(self.campaign.mongo_id, self.tweet.tweet_id, self.job_type, owner)
        assert state is not None
        handoff.dispatch_pending(self.campaign, self.tweet.tweet_id, self.job_type, owner, state, "run")
        result = self.page(engagers, owner, now)
        leases.release(self.campaign.mongo_id, self.tweet.tweet_id, self.job_type, owner)
        return result

    def page(self, engagers, owner, now=None):
        return handoff.ingest_page(
            self.campaign, tweet_id=self.tweet.tweet_id, tweet_category=self.tweet.category, job_type=self.job_type,
            engagers=engagers, now=now or timezone.now(), run_batch="run", seqs=self.seqs, owner=owner,
            progress=lambda stored: {"cursor": None})


def _setup():
    campaign = make_campaign(tweets={"main_twt": 2, "influencer_twt": 1})
    tweets = list(campaign.tweets.order_by("id"))
    create_states(campaign.mongo_id, [t.tweet_id for t in tweets])
    # Important accounts: some engagers score, so the top-accounts histogram moves.
    importance.upsert_entries([importance.entry(f"u{n}", [{"id": "vc", "username": "vc", "weight": 5 + n % 7}])
                               for n in range(0, 400, 9)])
    return campaign, tweets


def _grow(campaign, tweets, size: int) -> None:
    """Seed the campaign through the live path, in pages of 100 over its tweets."""
    jobs = [Job(campaign, tweet, "retweets") for tweet in tweets[1:]]
    for start in range(0, size, 100):
        job = jobs[(start // 100) % len(jobs)]
        job.run([engager(f"u{n}") for n in range(start, min(start + 100, size))])


def _page_under_test(campaign, tweets, size: int):
    """A reply page on the first main tweet: 80 new accounts, 20 known ones (some now important).

    The replies were written an hour before the retweets seeded by `_grow` were read, so the known accounts'
    earliest engagement is not their first stored one: a recount must still count them new in the hour
    they were first stored, as the live path did (whatever the clock's minute when the test runs).
    """
    at = timezone.now() - dt.timedelta(minutes=65)
    known = [engager(f"u{n}", at=at, text="congrats, this is great") for n in range(0, 180, 9)][:20]
    new = [engager(f"u{size + n}", at=at + dt.timedelta(seconds=n), text="is there an API?") for n in range(80)]
    return Job(campaign, tweets[0], "replies"), known + new


def _is_equality(query: dict) -> bool:
    return all(not key.startswith("$") and not (isinstance(value, dict) and any(k.startswith("$") for k in value))
               for key, value in query.items())


UNIQUE_KEYS = {name: [{field for field, _ in spec.keys} for spec in specs if spec.unique]
               for name, specs in mongo.INDEXES.items()}


def _write_filters(commands: list[dict]) -> list[tuple[str, dict]]:
    found = []
    for event in commands:
        command = event["command"]
        if event["name"] == "bulkWrite":
            namespaces = [info["ns"].split(".", 1)[1] for info in command["nsInfo"]]
            for op in command["ops"]:
                for kind in ("update", "delete"):
                    if kind in op:
                        found.append((namespaces[op[kind]], op["filter"]))
        elif event["name"] in ("update", "delete", "findAndModify"):
            for op in command.get("updates", command.get("deletes", [command])):
                found.append((command[event["name"]], op.get("q", op.get("query"))))
    return found


@pytest.mark.django_db
def test_a_page_costs_the_same_few_round_trips_at_two_campaign_sizes(mongo_db, redis_conn):
    counts = {}
    for size in (300, 3000):
        for name in mongo_db.list_collection_names():
            mongo_db[name].delete_many({})
        campaign, tweets = _setup()
        _grow(campaign, tweets, size)
        job, engagers = _page_under_test(campaign, tweets, size)
        owner = leases.new_owner()
        assert leases.acquire(campaign.mongo_id, tweets[0].tweet_id, "replies", owner)
        job.seqs.take(1)  # the run's block is reserved before its first page, once per run
        (stored, held), commands = _monitored(lambda: job.page(engagers, owner))  # noqa: B023
        assert held and len(stored.new) == 100
        counts[size] = [event["name"] for event in commands]
        for collection, query in _write_filters(commands):
            # Every write filter: an equality on `_id` or on exactly the fields of a unique index.
            assert _is_equality(query), (collection, query)
            assert set(query) == {"_id"} or set(query) in UNIQUE_KEYS[collection], (collection, query)
        stats = mongo_db.campaign_stats.find_one({"_id": campaign.mongo_id})
        assert stats["engagements"] == size + 100 and stats["accounts"] == size + 80
        # No array grows with the campaign on the account rows.
        assert all("tweets" not in row for row in mongo_db.campaign_accounts.find())
    assert counts[300] == counts[3000], counts
    assert len(counts[300]) <= MAX_ROUND_TRIPS, counts[300]
    # importance lookup, engagements + claims, known accounts, alert planner's mark, counters + checkpoint
    assert counts[300] == ["find", "bulkWrite", "find", "find", "bulkWrite"]


def _counters(mongo_db, campaign_id: str) -> dict:
    """Everything counted at write time, comparable across a recount (zero histogram buckets dropped)."""
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k != "_id" and clean(v) not in (0, {}, None)}
        return value

    stats = mongo_db.campaign_stats.find_one({"_id": campaign_id}) or {}
    fields = services.STAT_FIELDS + insight_services.STAT_FIELDS
    rankings = mongo_db.campaign_rankings.find_one({"_id": campaign_id}) or {}
    return {
        "stats": clean({k: v for k, v in stats.items() if k in fields}),
        "rollups": sorted((str(r["hour"]), clean(r)) for r in mongo_db.engagement_rollups.find(
            {"campaign_id": campaign_id}, {"campaign_id": 0})),
        "hours": sorted((str(r["hour"]), clean(r)) for r in mongo_db.campaign_hours.find(
            {"campaign_id": campaign_id}, {"campaign_id": 0})),
        "tweets": sorted((r["tweet_id"], r["action_type"], r["count"]) for r in mongo_db.tweet_engagement_counts.find(
            {"campaign_id": campaign_id})),
        "accounts": sorted((r["user_id"], r["engagements"], r.get("distinct_tweets"), r["max_importance"],
                            r["first_seq"], r["account_category"]) for r in mongo_db.campaign_accounts.find(
            {"campaign_id": campaign_id})),
        # Which engagement made a claim may differ (a recount takes each batch in time order), not what it counts.
        "claims": sorted((r["_id"], r["followers"]) for r in mongo_db.campaign_account_scopes.find(
            {"_id": {"$gte": f"{campaign_id}|", "$lt": f"{campaign_id}}}"}})),
        "rankings": {name: [(e["user_id"], e.get("at"), e.get("seq")) for e in rankings.get(name, [])]
                     for name in insight_services.RANKING_LISTS},
    }


class Crash(Exception):
    pass


# Each step of a page's store and hand-off (ingestion/handoff.py), in the order they run.
STEPS = [(importance, "lookup"), (mongo.Writes, "send"), (services, "_known_rows"),
         (__import__("alerts.planner_state", fromlist=["alert_seq"]), "alert_seq")]


@pytest.mark.django_db
@pytest.mark.parametrize("crash_after", range(1, 7))
def test_a_worker_killed_at_any_step_leaves_counters_equal_to_a_recount(mongo_db, redis_conn, monkeypatch,
                                                                        crash_after):
    campaign, tweets = _setup()
    _grow(campaign, tweets, 400)
    job, engagers = _page_under_test(campaign, tweets, 400)
    # ... and one account the same list stored before: the update path.
    engagers += [engager("u9999", at=timezone.now(), text="and again")]
    Job(campaign, tweets[0], "replies").run([engager("u9999", at=timezone.now() - dt.timedelta(hours=1),
                                                     text="first!")])
    steps: list[str] = []

    def crashing(owner, name, real):
        def step(*args, **kwargs):
            result = real(*args, **kwargs)
            steps.append(name)
            if len(steps) == crash_after:
                raise Crash(name)
            return result
        return step

    for owner, name in STEPS:
        monkeypatch.setattr(owner, name, crashing(owner, name, getattr(owner, name)))
    try:
        job.run(engagers)
        crashed = None
    except Crash as exc:
        crashed = str(exc)
    monkeypatch.undo()
    # importance, engagements + claims, known accounts, alert mark, counters + checkpoint: a crash
    # after any of them (the sixth "crash" comes after the page is done: nothing to redo).
    # (the two reads run in the receivers' order, whichever app's comes first).
    orders = (["lookup", "send", "_known_rows", "alert_seq", "send"],
              ["lookup", "send", "alert_seq", "_known_rows", "send"])
    assert any(steps == order[:len(steps)] for order in orders), steps
    assert (crashed == steps[-1] and len(steps) == crash_after) if crash_after <= 5 else (crashed is None
                                                                                         and len(steps) == 5)
    if crashed:
        # The dead worker's lease lapses; a second worker reruns the job with the same page.
        mongo_db.worker_state.update_many({}, {"$set": {"lease_until": timezone.now() - dt.timedelta(seconds=1)}})
    job.run(engagers)

    live = _counters(mongo_db, campaign.mongo_id)
    assert live["stats"]["engagements"] == mongo_db.engagements.count_documents({}) == 501
    with open(os.devnull, "w") as quiet:
        call_command("socap_rebuild_counters", campaign=[campaign.pk], stdout=quiet)
    assert _counters(mongo_db, campaign.mongo_id) == live


@pytest.mark.django_db
def test_a_server_before_8_gets_the_same_counts_with_one_write_per_collection(mongo_db, redis_conn, monkeypatch):
    from pymongo.errors import InvalidOperation

    def no_client_bulk_write(self):
        raise InvalidOperation("MongoClient.bulk_write requires MongoDB server version 8.0+.")

    monkeypatch.setattr(mongo.Writes, "_send_at_once", no_client_bulk_write)
    campaign, tweets = _setup()
    _grow(campaign, tweets, 300)
    job, engagers = _page_under_test(campaign, tweets, 300)
    stored, held = job.run(engagers)
    assert held and len(stored.new) == 100
    # A lost lease is still told apart: another owner's checkpoint changes nothing.
    writes = mongo.Writes()
    other = leases.add_checkpoint(writes, campaign.mongo_id, tweets[0].tweet_id, "replies", "someone-else", {})
    writes.send()
    assert not writes.modified(other)
    live = _counters(mongo_db, campaign.mongo_id)
    assert live["stats"]["engagements"] == 400 and live["stats"]["accounts"] == 380
    with open(os.devnull, "w") as quiet:
        call_command("socap_rebuild_counters", campaign=[campaign.pk], stdout=quiet)
    assert _counters(mongo_db, campaign.mongo_id) == live
