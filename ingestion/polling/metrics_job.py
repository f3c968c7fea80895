"""Metrics job: one batched provider call for a campaign's tweets, deltas against the baseline.

A delta document is keyed by (campaign, tweet, since) where `since` is the
baseline's time, so a run that crashed after writing the delta but before
saving the new baseline rewrites the same document next time: no double count.
On a rate limit or exhausted credits the baseline is kept and every tweet's
metrics state is blocked; the next successful reading covers the whole gap.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from campaigns.models import Campaign, TrackedTweet
from ingestion import clock, signals
from ingestion.polling import cadence, leases, list_gating, parking, poll_cycles
from ingestion.storing import handoff
from ingestion.polling.provider_calls import block_seconds, budget_blocked_reason, fetch_metrics, guard_budget
from ingestion.polling.scheduler import interval_start
from socap_project import mongo
from socap_project.vocabulary import METRICS
from xapi.errors import CreditsExhausted, RateLimited, SlotBusy, Unauthorized, XApiError

log = logging.getLogger(__name__)
BATCH = 100  # tweets per provider call


@dataclass
class MetricsRun:
    polled: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # leased elsewhere or blocked
    resting: list[str] = field(default_factory=list)  # quiet tweets not due this cycle (ingestion/polling/cadence.py)
    due: list[str] = field(default_factory=list)  # every tweet this cycle covers
    list_jobs: list[tuple[str, str]] = field(default_factory=list)  # (tweet, job) worth enqueueing after it
    requests: int = 0
    retry_in: float | None = None  # the shared rate limiter had no slot: read `remaining` in this many seconds
    remaining: list[str] = field(default_factory=list)
    error: str | None = None
    budget_blocked: str | None = None  # why no request was made (budget or key out of credits)


def add_reading(writes: mongo.Writes, campaign_id: str, tweet: TrackedTweet, values: dict[str, int],
                now: dt.datetime) -> dict:
    """Add this reading's delta document to `writes` and move the tweet's baseline in memory (the caller
    saves it once the batch is written); returns the deltas (empty on a first reading)."""
    baseline = tweet.metrics or {}
    since = parse_datetime(baseline["last_updated"]) if baseline.get("last_updated") else None
    deltas = (
        {name: values[name] - int(baseline.get(name, 0) or 0) for name in METRICS}
        if since is not None
        else None
    )
    writes.add(mongo.update_op(
        mongo.METRIC_DELTAS, {"campaign_id": campaign_id, "tweet_id": tweet.tweet_id, "since": since},
        {"$set": {"tweet_category": tweet.category, "recorded_at": now, "values": values, "deltas": deltas}},
        upsert=True))
    tweet.metrics = {**{name: values[name] for name in METRICS}, "last_updated": now.isoformat()}
    return deltas or {}


def write_snapshot(campaign: Campaign, now: dt.datetime) -> None:
    """Campaign totals for this hour (`metric_snapshots`, docs/data-model.md); reruns within the hour overwrite it."""
    totals = dict.fromkeys(METRICS, 0)
    breakdown = {category: dict.fromkeys(METRICS, 0) for category in TrackedTweet.Category.values}
    for tweet in campaign.tweets.all():
        for name in METRICS:
            value = int((tweet.metrics or {}).get(name, 0) or 0)
            totals[name] += value
            breakdown[tweet.category][name] += value
    mongo.collection(mongo.METRIC_SNAPSHOTS).update_one(
        {"campaign_id": campaign.mongo_id, "snapshot_time": now.replace(minute=0, second=0, microsecond=0)},
        {"$set": {**{f"total_{name}": value for name, value in totals.items()},
                  "tweet_breakdown": breakdown, "updated_at": now}},
        upsert=True,
    )


class _Leases:
    """The metrics leases one run holds, given back in batches (one write per batch of tweets)."""

    def __init__(self, campaign: Campaign, owner: str):
        self.campaign, self.owner = campaign, owner
        self.tweets: list[TrackedTweet] = []  # leased by this run
        self.given_back: set[str] = set()

    def give_back(self, tweets: list[TrackedTweet], fields: dict | None = None, *, failed: bool = False,
                  writes: mongo.Writes | None = None) -> None:
        """Release `tweets` with `fields`; into `writes` when given (the caller sends it), else now."""
        batch = writes if writes is not None else mongo.Writes()
        for tweet in tweets:
            leases.add_release(batch, self.campaign.mongo_id, tweet.tweet_id, "metrics", self.owner, fields,
                               failed=failed)
        # Given back once written: if the write fails, the end of the run still releases them.
        batch.after_send(lambda: self.given_back.update(tweet.tweet_id for tweet in tweets))
        if writes is None:
            batch.send()

    def rest(self) -> None:
        self.give_back([tweet for tweet in self.tweets if tweet.tweet_id not in self.given_back])


def run_metrics(campaign_id: int, cycle_at: dt.datetime | None = None, tweet_ids: list[str] | None = None,
                cycle_id: str | None = None) -> MetricsRun:
    """`cycle_at` (a fan-out's interval start) lets quiet tweets rest; None polls every tweet (manual, final).

    `tweet_ids` limits the run to those tweets (the rest of a run the shared rate limiter interrupted).
    `cycle_id`: the poll cycle whose list jobs follow; it keeps each reading's time (the spike rate's spans).
    Leases are taken, readings saved and leases given back per batch of tweets, not per tweet: a run's
    MongoDB commands do not grow with the campaign (tests/ingestion/test_metrics_writes.py).
    """
    campaign = Campaign.objects.get(pk=campaign_id)
    now = timezone.now()
    observed = clock.observed_now()  # the readings' time; `now` (real) for leases and blocks
    run = MetricsRun()
    run.budget_blocked = budget_blocked_reason(campaign, now)
    if run.budget_blocked:
        log.warning("metrics %s: no request: %s", campaign.mongo_id, run.budget_blocked)
        return run
    rest = cadence.resting(campaign, cycle_at) if cycle_at is not None else set()
    cycle_at = cycle_at or interval_start(now)
    tweets = list(campaign.tweets.all() if tweet_ids is None else campaign.tweets.filter(tweet_id__in=tweet_ids))
    run.resting = [tweet.tweet_id for tweet in tweets if tweet.tweet_id in rest]
    due = [tweet for tweet in tweets if tweet.tweet_id not in rest]
    run.due = [tweet.tweet_id for tweet in due]
    held = _Leases(campaign, leases.new_owner())
    states = leases.acquire_many(campaign.mongo_id, run.due, "metrics", held.owner)
    held.tweets = [tweet for tweet in due if tweet.tweet_id in states]
    blocked = {tweet.tweet_id for tweet in held.tweets
               if states[tweet.tweet_id].get("blocked_until") and states[tweet.tweet_id]["blocked_until"] > now}
    held.give_back([tweet for tweet in held.tweets if tweet.tweet_id in blocked])  # blocked: skipped, untouched
    run.skipped = [tweet.tweet_id for tweet in due if tweet.tweet_id not in states or tweet.tweet_id in blocked]
    readable = [tweet for tweet in held.tweets if tweet.tweet_id not in blocked]
    try:
        for start in range(0, len(readable), BATCH):
            chunk = readable[start : start + BATCH]
            try:
                if start:
                    guard_budget(campaign)  # the previous batch may have used up the budget
                run.requests += 1
                readings = fetch_metrics([t.tweet_id for t in chunk], campaign.mongo_id)
            except SlotBusy as exc:
                # No request was sent: give the rest back untouched (no block, no failure) and say when to retry.
                run.requests -= 1
                run.retry_in, run.remaining = exc.retry_after, [t.tweet_id for t in readable[start:]]
                break
            except (RateLimited, CreditsExhausted) as exc:
                until = now + dt.timedelta(seconds=block_seconds(exc))
                held.give_back(readable[start:], {"blocked_until": until,
                                                  "last_error": f"{type(exc).__name__}: {exc}"}, failed=True)
                run.error = str(exc)
                break
            except XApiError as exc:
                # The batch's error is not about one tweet: nothing is parked here (a rejected key
                # stops every job through the client instead).
                fields = {"last_error": f"{type(exc).__name__}: {exc}"}
                if isinstance(exc, Unauthorized):
                    fields = parking.after_error(campaign.mongo_id, chunk[0].tweet_id, "metrics", exc)
                held.give_back(chunk, fields, failed=True)
                run.error = str(exc)
                continue
            _save_readings(campaign, chunk, readings, states, held, run, cycle_at, observed, now)
    finally:
        held.rest()  # the rest of an interrupted run, or anything an unexpected error left held
    if run.polled:
        if cycle_id:
            poll_cycles.record_readings(cycle_id, dict.fromkeys(run.polled, observed))
        write_snapshot(campaign, observed)
        handoff.metrics_changed(campaign)
    run.list_jobs = list_gating.due_list_jobs(campaign.mongo_id, due, set(run.polled))
    return run


def _save_readings(campaign: Campaign, chunk: list[TrackedTweet], readings: dict, states: dict, held: _Leases,
                   run: MetricsRun, cycle_at: dt.datetime, observed: dt.datetime, now: dt.datetime) -> None:
    """One batch's readings: delta documents, the receivers' updates and the leases given back, in one
    write; then the new baselines. A crash between the two leaves the old baselines, so the next run
    rewrites the same delta documents (keyed by the baseline's time): nothing counted twice."""
    writes, deltas, read = mongo.Writes(), {}, []
    for tweet in chunk:
        if tweet.tweet_id not in readings:
            run.missing.append(tweet.tweet_id)
            # Absent from the batch = deleted or protected: permanent, so the tweet's jobs are parked.
            held.give_back([tweet], parking.park_tweet(campaign.mongo_id, tweet.tweet_id, parking.NOT_IN_BATCH),
                           writes=writes)
            continue
        pace = cadence.after_reading(campaign, states[tweet.tweet_id], tweet.metrics or {},
                                     readings[tweet.tweet_id], cycle_at)
        deltas[tweet.tweet_id] = add_reading(writes, campaign.mongo_id, tweet, readings[tweet.tweet_id], observed)
        held.give_back([tweet], {"last_success": now, "last_error": None, "retry_count": 0, "blocked_until": None,
                                 **pace}, writes=writes)
        read.append(tweet)
    signals.tweet_metrics_read.send(sender=Campaign, campaign_id=campaign.mongo_id, deltas=deltas, writes=writes)
    writes.send()
    TrackedTweet.objects.bulk_update(read, ["metrics"])
    run.polled += [tweet.tweet_id for tweet in read]
