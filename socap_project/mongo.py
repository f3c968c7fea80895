"""The one place that talks to MongoDB.

Owns the pymongo client (created lazily, once per process, never at import time
and never shared across a fork), the collection handles and the index
definitions. Other modules import the names they need from here, not pymongo.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from django.conf import settings
from bson import ObjectId, json_util
from bson.json_util import JSONOptions, JSONMode
import pymongo
from pymongo import ASCENDING, DESCENDING, InsertOne, MongoClient, ReplaceOne, ReturnDocument, UpdateOne
from pymongo.collection import Collection
from pymongo.database import Database
from bson.errors import InvalidId
from pymongo.errors import (BulkWriteError, ClientBulkWriteException, ConnectionFailure, DuplicateKeyError,
                            ExecutionTimeout, InvalidOperation, PyMongoError, WaitQueueTimeoutError, WTimeoutError)

__all__ = [
    "ASCENDING",
    "DESCENDING",
    "BulkWriteError",
    "DuplicateKeyError",
    "PyMongoError",
    "ReturnDocument",
    "UpdateOne",
    "ReplaceOne",
    "InsertOne",
    "ObjectId",
    "Writes",
    "insert_op",
    "update_op",
    "InvalidId",
    "FINAL_REPORTS",
    "ENGAGEMENT_ROLLUPS",
    "CAMPAIGN_ACCOUNTS",
    "TWEET_COUNTS",
    "COUNTERS",
    "CAMPAIGN_STATS",
    "POLL_CYCLES",
    "TWEET_RATES",
    "CAMPAIGN_HOURS",
    "ACCOUNT_SCOPES",
    "RANKINGS",
    "to_json_line",
    "from_json_line",
    "ENGAGEMENTS",
    "WORKER_STATE",
    "METRIC_SNAPSHOTS",
    "METRIC_DELTAS",
    "ALERT_QUEUE",
    "ALERT_PLANNER",
    "ALERT_CYCLE_PLANS",
    "FOLLOWING_INDEX",
    "API_USAGE",
    "INDEXES",
    "client",
    "db",
    "collection",
    "ensure_indexes",
    "ping",
    "reset_client",
    "client_options",
    "request_timeout",
    "is_unavailable",
]

ENGAGEMENTS = "engagements"
WORKER_STATE = "worker_state"
METRIC_SNAPSHOTS = "metric_snapshots"
METRIC_DELTAS = "metric_deltas"
ALERT_QUEUE = "alert_queue"
ALERT_PLANNER = "alert_planner"  # per campaign, `_id` = campaign id: the alert planner's claim and alert_seq
ALERT_CYCLE_PLANS = "alert_cycle_plans"  # per poll cycle planned, `_id` = cycle id: its window and outcome
FOLLOWING_INDEX = "following_index"
API_USAGE = "api_usage"
FINAL_REPORTS = "final_reports"
ENGAGEMENT_ROLLUPS = "engagement_rollups"
CAMPAIGN_ACCOUNTS = "campaign_accounts"
TWEET_COUNTS = "tweet_engagement_counts"
COUNTERS = "counters"  # per-campaign engagement sequence number, `_id` = campaign id
CAMPAIGN_STATS = "campaign_stats"  # per-campaign counters kept at write time, `_id` = campaign id
POLL_CYCLES = "poll_cycles"  # one per campaign per poll cycle: its jobs, readings and counts
TWEET_RATES = "tweet_rates"  # per tweet (and one per campaign): the spike rule's recent reading spans
CAMPAIGN_HOURS = "campaign_hours"  # per (campaign, hour): reach, impressions, sentiment mix
ACCOUNT_SCOPES = "campaign_account_scopes"  # first engagement of an account per tweet / tweet category
RANKINGS = "campaign_rankings"  # bounded top-25 lists kept at write time, `_id` = campaign id


@dataclass(frozen=True)
class IndexSpec:
    keys: tuple[tuple[str, int], ...]
    unique: bool = False

    @property
    def name(self) -> str:
        return "_".join(f"{field}_{direction}" for field, direction in self.keys)


def _ix(*keys: tuple[str, int], unique: bool = False) -> IndexSpec:
    return IndexSpec(keys=tuple(keys), unique=unique)


# The originally specified indexes, with two deliberate changes (docs/data-model.md, "Indexes"):
# the engagement duplicate guard is prefixed by campaign_id, because one tweet
# may be tracked by several campaigns and because a sharded cluster can only
# enforce a unique index that starts with the shard key {campaign_id, tweet_id};
# metric snapshots are unique per (campaign, hour) so a rerun cannot double them.
INDEXES: dict[str, tuple[IndexSpec, ...]] = {
    # Each with its reader in docs/data-model.md ("Indexes"): every insert pays for every index.
    ENGAGEMENTS: (
        _ix(("campaign_id", ASCENDING), ("tweet_id", ASCENDING), ("user_id", ASCENDING),
            ("action_type", ASCENDING), unique=True),
        _ix(("campaign_id", ASCENDING), ("user_id", ASCENDING), ("timestamp", ASCENDING)),
        # Engagers table: closed windows of the per-campaign sequence number, unfiltered,
        # per filter, and per importance score (dashboard/paging.py).
        _ix(("campaign_id", ASCENDING), ("seq", ASCENDING)),
        _ix(("campaign_id", ASCENDING), ("account_category", ASCENDING), ("seq", ASCENDING)),
        _ix(("campaign_id", ASCENDING), ("action_type", ASCENDING), ("seq", ASCENDING)),
        _ix(("campaign_id", ASCENDING), ("tweet_category", ASCENDING), ("seq", ASCENDING)),
        _ix(("campaign_id", ASCENDING), ("importance_score", ASCENDING), ("seq", ASCENDING)),
        _ix(("campaign_id", ASCENDING), ("sentiment", ASCENDING), ("seq", ASCENDING)),
        # A crashed run's leftovers: one job's engagements numbered above its hand-off mark.
        _ix(("campaign_id", ASCENDING), ("tweet_id", ASCENDING), ("action_type", ASCENDING), ("seq", ASCENDING)),
    ),
    WORKER_STATE: (
        _ix(("campaign_id", ASCENDING), ("tweet_id", ASCENDING), ("job_type", ASCENDING), unique=True),
        _ix(("blocked_until", ASCENDING)),
        # Worker status across campaigns: every count is a job_type-prefixed range, capped.
        _ix(("job_type", ASCENDING), ("lease_until", ASCENDING)),
        _ix(("job_type", ASCENDING), ("blocked_until", ASCENDING)),
        _ix(("job_type", ASCENDING), ("last_error", ASCENDING)),
        _ix(("job_type", ASCENDING), ("backfill_done", ASCENDING)),
        _ix(("job_type", ASCENDING), ("last_success", DESCENDING)),
        _ix(("lease_until", ASCENDING)),
    ),
    ALERT_QUEUE: (
        _ix(("status", ASCENDING), ("scheduled_send_time", ASCENDING)),
        # The urgent lane (spike alerts): found by equality before the oldest due item.
        _ix(("urgent", ASCENDING), ("status", ASCENDING), ("scheduled_send_time", ASCENDING)),
        _ix(("campaign_id", ASCENDING), ("run_batch", ASCENDING)),
        _ix(("engagement_id", ASCENDING)),
        # One message per account per run (its engagements are batched): queueing twice is a no-op.
        _ix(("campaign_id", ASCENDING), ("user_id", ASCENDING), ("run_batch", ASCENDING), unique=True),
        _ix(("campaign_id", ASCENDING), ("user_id", ASCENDING), ("created_at", DESCENDING)),
    ),
    POLL_CYCLES: (
        # Cycles not planned yet (few: the ones in flight), found by state and deadline.
        _ix(("state", ASCENDING), ("plan_by", ASCENDING)),
        _ix(("campaign_id", ASCENDING), ("started_at", DESCENDING)),
    ),
    # The spike rule reads a campaign's rate states (one per tweet) by equality.
    TWEET_RATES: (_ix(("campaign_id", ASCENDING), ("tweet_id", ASCENDING)),),
    # Read by `_id`; this serves a campaign's deletion.
    ALERT_CYCLE_PLANS: (_ix(("campaign_id", ASCENDING)),),
    METRIC_SNAPSHOTS: (
        _ix(("campaign_id", ASCENDING), ("snapshot_time", ASCENDING), unique=True),
        _ix(("campaign_id", ASCENDING), ("snapshot_time", DESCENDING)),
    ),
    METRIC_DELTAS: (
        _ix(("campaign_id", ASCENDING), ("recorded_at", ASCENDING)),  # the archive, retention
        # The metrics job's upsert key: one delta per reading of a baseline (a rerun rewrites it).
        _ix(("campaign_id", ASCENDING), ("tweet_id", ASCENDING), ("since", ASCENDING), unique=True),
    ),
    FOLLOWING_INDEX: (_ix(("user_id", ASCENDING), unique=True),),
    API_USAGE: (
        _ix(("campaign_id", ASCENDING), ("at", DESCENDING)),
        _ix(("tweet_id", ASCENDING), ("at", DESCENDING)),
    ),
    FINAL_REPORTS: (_ix(("campaign_id", ASCENDING), unique=True),),
    "api_spend": (_ix(("campaign_id", ASCENDING)),),  # xapi.account.spend: read by _id; this serves deletion
    ENGAGEMENT_ROLLUPS: (_ix(("campaign_id", ASCENDING), ("hour", ASCENDING), unique=True),),
    TWEET_COUNTS: (
        _ix(("campaign_id", ASCENDING), ("tweet_id", ASCENDING), ("action_type", ASCENDING), unique=True),
    ),
    CAMPAIGN_ACCOUNTS: (
        _ix(("campaign_id", ASCENDING), ("user_id", ASCENDING), unique=True),
        # Top accounts: closed windows of (importance, first engagement's seq).
        _ix(("campaign_id", ASCENDING), ("max_importance", ASCENDING), ("first_seq", ASCENDING)),
        # Most engaged accounts: closed windows of (distinct tweets touched, first seq).
        _ix(("campaign_id", ASCENDING), ("distinct_tweets", ASCENDING), ("first_seq", ASCENDING)),
    ),
    CAMPAIGN_HOURS: (
        _ix(("campaign_id", ASCENDING), ("hour", ASCENDING), unique=True),
    ),
    # First-sighting claims: `_id` = "campaign|account|scope" is their only index (one entry per claim).
    ACCOUNT_SCOPES: (),
}

_lock = threading.Lock()
_client: MongoClient | None = None
_client_pid: int | None = None


def client() -> MongoClient:
    """The process's MongoClient; a forked child gets a new one on first use."""
    global _client, _client_pid
    pid = os.getpid()
    if _client is not None and _client_pid == pid:
        return _client
    with _lock:
        if _client is None or _client_pid != pid:
            _client = MongoClient(settings.MONGODB_URI, **client_options())
            _client_pid = pid
    return _client


def client_options() -> dict:
    """Replica-set options from settings. Keywords win over the URI's own options, so a URI asking
    for secondary reads or w=1 cannot weaken them."""
    return {
        "tz_aware": True,
        "appname": "socap",
        "serverSelectionTimeoutMS": settings.MONGODB_TIMEOUT_MS,
        "connectTimeoutMS": min(settings.MONGODB_CONNECT_TIMEOUT_MS, settings.MONGODB_TIMEOUT_MS),
        "socketTimeoutMS": settings.MONGODB_SOCKET_TIMEOUT_MS,
        # Acknowledged by a majority: a write survives the primary's failover (no rollback).
        "w": settings.MONGODB_WRITE_CONCERN,
        "wTimeoutMS": settings.MONGODB_WRITE_TIMEOUT_MS,
        "retryWrites": settings.MONGODB_RETRY_WRITES,
        "retryReads": True,
        # Planning windows, leases, claims and counters decide from what they read.
        "readPreference": "primary",
    }


def request_timeout(seconds: float | None = None):
    """Bound every operation inside the block together (pymongo sends what is left as maxTimeMS)."""
    return pymongo.timeout(seconds if seconds is not None else settings.MONGODB_WEB_TIMEOUT_MS / 1000)


# A store that cannot answer right now (down, electing, slow), as opposed to a bad query.
_UNAVAILABLE = (ConnectionFailure, ExecutionTimeout, WTimeoutError, WaitQueueTimeoutError)


def is_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, _UNAVAILABLE) or (isinstance(exc, PyMongoError) and exc.timeout)


def reset_client() -> None:
    """Forget the client (after a fork, or when settings changed in tests)."""
    global _client, _client_pid
    with _lock:
        old, old_pid = _client, _client_pid
        _client, _client_pid = None, None
    # A client inherited through fork belongs to the parent: leave it alone.
    if old is not None and old_pid == os.getpid():
        old.close()


def db() -> Database:
    return client()[settings.MONGODB_DB]


def collection(name: str) -> Collection:
    return db()[name]


def delete_campaign_documents(campaign_id: str, by_field: tuple[str, ...], by_id: tuple[str, ...] = ()) -> dict:
    """Remove a campaign's documents from the caller's own collections: `campaign_id` fields and `_id` keys."""
    removed = {name: collection(name).delete_many({"campaign_id": campaign_id}).deleted_count for name in by_field}
    for name in by_id:
        removed[name] = collection(name).delete_one({"_id": campaign_id}).deleted_count
    return removed


def delete_tweet_documents(campaign_id: str, tweet_ids: list[str], names: tuple[str, ...]) -> int:
    """Remove what the caller's collections keep about some of a campaign's tweets."""
    query = {"campaign_id": campaign_id, "tweet_id": {"$in": tweet_ids}}
    return sum(collection(name).delete_many(query).deleted_count for name in names)


def insert_op(name: str, document: dict) -> InsertOne:
    """An insert into collection `name`, for a `Writes` batch (one command across collections)."""
    return InsertOne(document, namespace=f"{settings.MONGODB_DB}.{name}")


def update_op(name: str, query: dict, update, *, upsert: bool = False) -> UpdateOne:
    """An update of one document of collection `name` (update operators or a pipeline), for a `Writes` batch."""
    return UpdateOne(query, update, upsert=upsert, namespace=f"{settings.MONGODB_DB}.{name}")


class Writes:
    """Writes to several collections sent as one unordered client-level `bulkWrite`: one round trip.

    Apps add their operations and keep the index `add` returns; after `send`, `refused` holds
    the indexes refused as duplicate keys (an insert used as a claim that someone else holds)
    and `modified(index)` says whether an update changed its document. Any other error raises.
    """

    def __init__(self) -> None:
        self.ops: list = []
        self.refused: set[int] = set()
        self.notes: dict = {}  # what an app needs to read its own results after `send`
        self._updates: dict = {}
        self._after: list = []
        self._exact: set[int] = set()

    def after_send(self, callback) -> None:
        """Run `callback` once the batch is written (e.g. invalidate caches only when the data is there)."""
        self._after.append(callback)

    def add(self, op, *, result: bool = False) -> int:
        """Add `op`; `result=True` when the caller will ask `modified` about it."""
        self.ops.append(op)
        if result:
            self._exact.add(len(self.ops) - 1)
        return len(self.ops) - 1

    def send(self) -> None:
        if self.ops:
            try:
                self._send_at_once()
            except InvalidOperation as exc:
                if "8.0" not in str(exc):
                    raise
                self._send_per_collection()  # a server before 8.0 has no client-level bulkWrite
        for callback in self._after:
            callback()

    def _send_at_once(self) -> None:
        try:
            result = client().bulk_write(self.ops, ordered=False, verbose_results=True)
        except ClientBulkWriteException as exc:
            errors = exc.write_errors or []
            if exc.error is not None or exc.write_concern_errors or any(e.get("code") != 11000 for e in errors):
                raise
            result = exc.partial_result
            self.refused = {error["idx"] for error in errors}
        self._updates = dict(result.update_results) if result is not None else {}

    def _send_per_collection(self) -> None:
        """The same writes as one unordered bulk per collection: one round trip each instead of one in all
        (and one more per operation whose result the caller asked for)."""
        groups: dict[str, list[int]] = {}
        for index, op in enumerate(self.ops):
            if index in self._exact:
                self._updates[index] = collection(op._namespace.split(".", 1)[1]).update_one(
                    op._filter, op._doc, upsert=op._upsert)
                continue
            groups.setdefault(op._namespace, []).append(index)
        for namespace, indexes in groups.items():
            try:
                collection(namespace.split(".", 1)[1]).bulk_write([_plain(self.ops[i]) for i in indexes],
                                                                  ordered=False)
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors", [])
                if any(error.get("code") != 11000 for error in errors):
                    raise
                self.refused |= {indexes[error["index"]] for error in errors}

    def modified(self, index: int) -> bool:
        found = self._updates.get(index)
        return bool(found is not None and (found.modified_count or found.upserted_id is not None))


def _plain(op):
    """The same operation without its namespace, for a collection's own bulk_write."""
    if isinstance(op, InsertOne):
        return InsertOne(op._doc)
    return UpdateOne(op._filter, op._doc, upsert=op._upsert)


def ping(timeout_seconds: float | None = None) -> None:
    """Raise PyMongoError when the server cannot be reached (within `timeout_seconds` when given)."""
    with pymongo.timeout(timeout_seconds):
        client().admin.command("ping")


# Canonical Extended JSON keeps every BSON type (ObjectId, dates, int vs float)
# through a round trip, which the archive's verify and restore rely on.
_JSON = JSONOptions(json_mode=JSONMode.CANONICAL, tz_aware=True)


def to_json_line(document: dict) -> str:
    return json_util.dumps(document, json_options=_JSON)


def from_json_line(line: str) -> dict:
    return json_util.loads(line, json_options=_JSON)


# Indexes of earlier versions that closed-window paging replaced: dropped on start-up.
RETIRED_INDEXES = {
    # The last four: no read used them, or (the `dispatched` flag) the hand-off mark replaced it.
    ENGAGEMENTS: ("campaign_id_1_timestamp_-1__id_-1", "campaign_id_1_importance_score_-1__id_-1",
                  "campaign_id_1_created_at_-1", "tweet_id_1_timestamp_-1", "importance_score_-1",
                  "campaign_id_1_dispatched_1_tweet_id_1_action_type_1"),
    ACCOUNT_SCOPES: ("campaign_id_1_scope_1_user_id_1",),
    CAMPAIGN_ACCOUNTS: ("campaign_id_1_max_importance_-1",),
    ENGAGEMENT_ROLLUPS: ("campaign_id_1_hour_1_account_category_1_action_type_1_tweet_category_1",),
    # No read used it; the metrics job's upsert scanned it per tweet before its key had a unique index.
    METRIC_DELTAS: ("tweet_id_1_recorded_at_1",),
}


@dataclass(frozen=True)
class Expiry:
    """A TTL index: MongoDB deletes a document `days` after the date in `field` (0: kept forever).
    Documents without the field (an alert still pending, say) are never deleted."""

    collection: str
    field: str
    days: int

    @property
    def name(self) -> str:
        return f"{self.field}_ttl"


def expiries() -> tuple[Expiry, ...]:
    """Retention of the collections that grow with every poll (docs/data-model.md, "Retention")."""
    return (
        Expiry(API_USAGE, "at", settings.SOCAP_API_USAGE_RETENTION_DAYS),
        # Set when an item is sent or skipped with nothing held for a channel (alerts/sender.py).
        Expiry(ALERT_QUEUE, "done_at", settings.SOCAP_ALERT_QUEUE_RETENTION_DAYS),
        # The hourly metric_snapshots roll up what a delta says as it is written (ingestion/polling/metrics_job.py).
        Expiry(METRIC_DELTAS, "recorded_at", settings.SOCAP_METRIC_DELTAS_RETENTION_DAYS),
    )


def _ensure_expiry(expiry: Expiry, existing: dict) -> str | None:
    """Create, change or drop the TTL index to match the setting; the index name, or None when there is none."""
    coll = collection(expiry.collection)
    seconds = expiry.days * 86400
    current = existing.get(expiry.name)
    if seconds <= 0:
        if current is not None:
            coll.drop_index(expiry.name)
        return None
    if current is None:
        return coll.create_index([(expiry.field, ASCENDING)], name=expiry.name, expireAfterSeconds=seconds)
    if current.get("expireAfterSeconds") != seconds:
        # A new retention changes the index in place (create_index would refuse other options).
        db().command("collMod", expiry.collection, index={"name": expiry.name, "expireAfterSeconds": seconds})
    return expiry.name


def ensure_indexes() -> list[tuple[str, str, bool]]:
    """Create every index in INDEXES and the TTL indexes (and drop retired ones); return
    (collection, index, created_now) rows."""
    report = []
    for coll_name, specs in INDEXES.items():
        coll = collection(coll_name)
        existing = set(coll.index_information())
        for retired in RETIRED_INDEXES.get(coll_name, ()):
            if retired in existing:
                coll.drop_index(retired)
        for spec in specs:
            name = coll.create_index(list(spec.keys), unique=spec.unique, name=spec.name)
            report.append((coll_name, name, name not in existing))
    for expiry in expiries():
        existing = collection(expiry.collection).index_information()
        name = _ensure_expiry(expiry, existing)
        if name is not None:
            report.append((expiry.collection, name, name not in existing))
    return report
