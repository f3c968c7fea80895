"""Engagement rates per tweet, the spike rule's measure (alerts/spikes.py, docs/alerts.md "Spike alert").

The spike rule's own state: ingestion reports what each cycle read and found
(ingestion/polling/poll_cycles.py), this module turns it into rates.

A tweet is read when it is due (adaptive cadence: every 1 to 4 intervals), so
what one poll cycle collects of it is what happened since its lists were last
read to the end: the *span* from that earlier reading to this cycle's. A rate
is a span's count over its length, so it does not depend on how often the
tweet was read.

Kept at write time, one small document per tweet (`tweet_rates`), updated once
per planned cycle under the campaign's planner claim:

- `last_end`: the reading that closed the tweet's last span (the next span starts there);
- `carry`: engagements collected by runs that did not close a span (a list job
  that stopped early, a cycle without a metrics reading of the tweet, or a job
  that reported after the bounded wait had planned its cycle); they count in
  the next span, which also covers their time (all but the late ones);
- `spans`: the recent closed spans `{cycle, start, end, count, spike}`, enough
  to cover the trailing window.

One more document per campaign (`tweet_id` "*") remembers whether the last
planned cycle was part of a spike, so a burst read over consecutive cycles
alerts once. Planning a cycle again (a planner killed halfway) finds the
cycle recorded and gets the same answer back: nothing is counted twice.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.conf import settings

from socap_project import mongo

CAMPAIGN = "*"


def _coll():
    return mongo.collection(mongo.TWEET_RATES)


@dataclass
class TweetRate:
    tweet_id: str
    current: dict | None = None  # the span this cycle closed: {cycle, start, end, count}
    history: list[dict] = field(default_factory=list)  # earlier spans of the trailing window, spikes left out
    latest: dict | None = None  # its most recent span, this cycle's or earlier (a resting tweet's rate now)
    carry: int = 0  # this cycle's engagements carried into the next span (span left open)
    last_end: dt.datetime | None = None
    recorded: bool = False  # this cycle was recorded already (a re-plan)
    touched: bool = False  # this cycle read the tweet or collected some of its engagements
    carried_in: int = 0  # the carry as read: the write adds the difference, keeping a late job's $inc

    @staticmethod
    def rate(spans: list[dict]) -> float | None:
        """Engagements per hour over `spans`, None if they cover no time."""
        seconds = sum((s["end"] - s["start"]).total_seconds() for s in spans)
        return sum(s["count"] for s in spans) * 3600 / seconds if seconds > 0 else None

    @property
    def trailing_seconds(self) -> float:
        if not self.history:
            return 0.0
        start = self.current["start"] if self.current else self.history[-1]["end"]
        return (start - self.history[0]["start"]).total_seconds()


@dataclass
class CycleRates:
    tweets: dict[str, TweetRate]
    was_spiking: bool  # the campaign's previous planned cycle was part of a spike
    stale: bool = False  # planned again after a later cycle was recorded: nothing to measure


def _aware(moment):
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


def _span(span: dict) -> dict:
    return {**span, "start": _aware(span["start"]), "end": _aware(span["end"])}


def spans_kept() -> int:
    """Enough spans to cover the trailing window at one span per poll interval (on the readings' clock)."""
    interval = settings.SOCAP_POLL_INTERVAL_SECONDS * max(1.0, settings.SOCAP_DEMO_CLOCK_FACTOR)
    return min(500, math.ceil(settings.SOCAP_SPIKE_TRAILING_HOURS * 3600 / interval) + 4)


def measure(campaign_id: str, cycle: dict) -> CycleRates:
    """Every tweet's span closed by this cycle and its trailing spans: one read of the campaign's rate states."""
    cycle_id = cycle["_id"]
    docs = {doc["tweet_id"]: doc for doc in _coll().find({"campaign_id": campaign_id})}
    campaign = docs.pop(CAMPAIGN, None) or {}
    readings, fresh = cycle.get("readings") or {}, cycle.get("tweet_fresh") or {}
    left_open = cycle.get("tweet_open") or {}
    window = dt.timedelta(hours=settings.SOCAP_SPIKE_TRAILING_HOURS)
    started = _aware(cycle["started_at"])
    if any(_aware(doc.get("last_at")) > started for doc in (campaign, *docs.values()) if doc.get("last_at")):
        return CycleRates({}, True, stale=True)  # a later cycle was recorded: this one's counts are in already
    tweets = {}
    for tweet_id in set(docs) | set(readings) | set(fresh):
        doc = docs.get(tweet_id) or {}
        spans = [_span(s) for s in doc.get("spans", [])]
        rate = TweetRate(tweet_id, last_end=_aware(doc.get("last_end")), carry=int(doc.get("carry") or 0))
        rate.carried_in = rate.carry
        if doc.get("last_cycle") == cycle_id:
            rate.recorded = True
            if spans and spans[-1]["cycle"] == cycle_id:
                rate.current, spans = spans[-1], spans[:-1]
        elif tweet_id in readings or tweet_id in fresh:
            rate.touched = True
            count = int(fresh.get(tweet_id) or 0) + rate.carry
            start, end = rate.last_end, _aware(readings.get(tweet_id))
            if start is None and end is not None:
                # The tweet's first reading: its backfill found what came before, its spans start here.
                rate.carry, rate.last_end = 0, end
            elif end is None or left_open.get(tweet_id) or end <= start:
                rate.carry = count  # no span closes this cycle: these count with the next one
            else:
                rate.current = {"cycle": cycle_id, "start": start, "end": end, "count": count}
                rate.carry, rate.last_end = 0, end
        rate.latest = rate.current or (spans[-1] if spans else None)
        since = (rate.current["start"] if rate.current else rate.last_end or dt.datetime.max.replace(tzinfo=dt.UTC))
        rate.history = [s for s in spans if not s.get("spike") and s["end"] > since - window]
        tweets[tweet_id] = rate
    was = campaign.get("spiking_before") if campaign.get("last_cycle") == cycle_id else campaign.get("spiking")
    return CycleRates(tweets, bool(was))


def record(campaign_id: str, cycle: dict, rates: CycleRates, spiking: set[str], campaign_spiking: bool) -> None:
    """Keep this cycle's spans (with whether each was a spike) and the campaign's spike state, once per cycle."""
    if rates.stale:
        return
    cycle_id, started = cycle["_id"], cycle["started_at"]
    ops = []
    for rate in rates.tweets.values():
        if rate.recorded or not rate.touched:
            continue
        update: dict = {"$set": {"campaign_id": campaign_id, "tweet_id": rate.tweet_id, "last_cycle": cycle_id,
                                 "last_at": started, "last_end": rate.last_end},
                        "$inc": {"carry": rate.carry - rate.carried_in}}
        if rate.current:
            span = {**rate.current, "spike": rate.tweet_id in spiking}
            update["$push"] = {"spans": {"$each": [span], "$slice": -spans_kept()}}
        ops.append(mongo.UpdateOne({"_id": f"{campaign_id}:{rate.tweet_id}", "last_cycle": {"$ne": cycle_id}},
                                   update, upsert=True))
    if ops:
        _bulk(ops)
    state = _coll().find_one({"_id": f"{campaign_id}:{CAMPAIGN}"}) or {}
    if state.get("last_cycle") != cycle_id:
        _bulk([mongo.UpdateOne(
            {"_id": f"{campaign_id}:{CAMPAIGN}", "last_cycle": {"$ne": cycle_id}},
            {"$set": {"campaign_id": campaign_id, "tweet_id": CAMPAIGN, "last_cycle": cycle_id,
                      "last_at": started, "spiking_before": rates.was_spiking, "spiking": campaign_spiking}},
            upsert=True)])


def carry_late(campaign_id: str, tweet_id: str, count: int) -> None:
    """Engagements a list job reported after its cycle was planned: they count in the tweet's next span."""
    _coll().update_one({"_id": f"{campaign_id}:{tweet_id}"},
                       {"$inc": {"carry": count}, "$setOnInsert": {"campaign_id": campaign_id, "tweet_id": tweet_id}},
                       upsert=True)


def _bulk(ops: list) -> None:
    # A document already recorded for this cycle does not match its filter, so its upsert collides
    # with its own _id: that collision is the "done already" answer, not an error.
    try:
        _coll().bulk_write(ops, ordered=False)
    except mongo.BulkWriteError as exc:
        if any(error.get("code") != 11000 for error in exc.details.get("writeErrors", [])):
            raise
