"""The spike alert: engagement rates several times their trailing rate (docs/alerts.md, "Spike alert").

Rates, not counts: what a cycle collected of a tweet is attributed to the span
since the tweet's lists were last read (alerts/spike_rates.py), so a burst
scores the same whether the tweet was read every interval or every fourth.

- Per tweet: a span with at least `spike_min_engagements` new engagements
  whose rate is `spike_factor` times the tweet's own rate over the previous
  SOCAP_SPIKE_TRAILING_HOURS (at least MIN_HISTORY earlier spans: a new tweet
  has no rate to compare with; spans that were spikes are left out, so a
  burst does not raise its own baseline).
- Per campaign: the sum of the tweets' current rates against the sum of
  their trailing rates, the cycle's new engagements at least
  `spike_min_engagements`: a rise spread over tweets that each collect
  fewer than the minimum (a sum of rates is never more times its trailing
  sum than its steepest tweet, so this adds only what the minimum holds back).

One alert per spike, not per cycle of it: a cycle that follows a spiking
cycle and spikes again (the rest of the burst, read one cycle later or on
another tweet) continues that spike and sends nothing. After a spike every
tweet of the campaign is read at the next cycle (ingestion's
`snap_back`), so a burst spread over tweets on slower cadences is read in
consecutive poll_cycles.

The alert is one queue item per (campaign, cycle): the queue's unique
(campaign, user, run) index with the reserved user id "spike". The sender
records it in alert history as action "spike" (dedupe: once per cycle, and
not again inside the frequency window).
"""

from __future__ import annotations

from django.utils import timezone

from campaigns.models import Campaign
from alerts import spike_rates
from ingestion import services as ingestion_services
from ingestion.contract import Engagement, TIME_BEFORE
from socap_project import mongo

SPIKE = "spike"
MIN_HISTORY = 3  # earlier spans a rate needs before it can be compared
TOP_ACCOUNTS = 5
TOP_TWEETS = 3  # tweets named in a campaign-wide spike


def top_accounts(docs: list[Engagement]) -> list[dict]:
    best: dict[str, dict] = {}
    for doc in docs:
        if doc.get("time_precision") == TIME_BEFORE:
            continue
        if doc["user_id"] not in best or doc.get("importance_score", 0) > best[doc["user_id"]]["importance_score"]:
            profile = doc.get("account_profile") or {}
            best[doc["user_id"]] = {"user_id": doc["user_id"], "username": profile.get("username", ""),
                                    "account_category": doc.get("account_category") or "others",
                                    "importance_score": float(doc.get("importance_score") or 0),
                                    "action_type": doc["action_type"], "tweet_category": doc["tweet_category"]}
    return sorted(best.values(), key=lambda a: -a["importance_score"])[:TOP_ACCOUNTS]


def _ratio(rate: float, trailing: float) -> float | None:
    return round(rate / trailing, 1) if trailing > 0 else None


def _tweet_numbers(rate: spike_rates.TweetRate, tweet) -> dict:
    span = rate.current
    now = spike_rates.TweetRate.rate([span]) or 0.0
    trailing = spike_rates.TweetRate.rate(rate.history) or 0.0
    return {"tweet_id": rate.tweet_id, "tweet_category": getattr(tweet, "category", ""),
            "author": getattr(tweet, "author_username", ""), "count": span["count"],
            "minutes": round((span["end"] - span["start"]).total_seconds() / 60, 1),
            "rate_per_hour": round(now, 2), "trailing_per_hour": round(trailing, 2),
            "ratio": _ratio(now, trailing), "trailing_minutes": round(rate.trailing_seconds / 60, 1)}


def _tweet_spikes(campaign: Campaign, rates: spike_rates.CycleRates) -> list[str]:
    spiking = []
    for rate in rates.tweets.values():
        if rate.current is None or len(rate.history) < MIN_HISTORY:
            continue
        if rate.current["count"] < campaign.spike_min_engagements:
            continue
        now = spike_rates.TweetRate.rate([rate.current])
        trailing = spike_rates.TweetRate.rate(rate.history)
        if now is not None and trailing is not None and now >= campaign.spike_factor * trailing:
            spiking.append(rate.tweet_id)
    return spiking


def _campaign_rates(rates: spike_rates.CycleRates) -> tuple[float, float, float]:
    """(current rate, trailing rate, trailing minutes) summed over the tweets that have a trailing rate."""
    now = trailing = 0.0
    minutes = 0.0
    for rate in rates.tweets.values():
        if len(rate.history) < MIN_HISTORY or rate.latest is None:
            continue
        now += spike_rates.TweetRate.rate([rate.latest]) or 0.0
        trailing += spike_rates.TweetRate.rate(rate.history) or 0.0
        minutes = max(minutes, rate.trailing_seconds / 60)
    return now, trailing, minutes


def evaluate(campaign: Campaign, cycle: dict, docs: list[Engagement]) -> dict | None:
    """Queue the cycle's spike alert when a rate spikes; return the alert's numbers, else None."""
    # Taken atomically: a list job reporting from now on counts in its tweet's next span instead.
    cycle = ingestion_services.take_cycle_counts(cycle["_id"]) or cycle
    rates = spike_rates.measure(campaign.mongo_id, cycle)
    if rates.stale:
        return None
    spiking = _tweet_spikes(campaign, rates)
    now, trailing, minutes = _campaign_rates(rates)
    fresh = int(cycle.get("fresh") or 0)
    campaign_spike = bool(minutes and fresh >= campaign.spike_min_engagements and now > 0
                          and now >= campaign.spike_factor * trailing)
    in_spike = bool(spiking) or campaign_spike
    numbers = None
    if in_spike and not rates.was_spiking:
        numbers = _queue(campaign, cycle, docs, rates, spiking,
                         {"count": fresh, "rate_per_hour": round(now, 2), "trailing_per_hour": round(trailing, 2),
                          "ratio": _ratio(now, trailing), "trailing_minutes": round(minutes, 1),
                          "spike": campaign_spike})
    if in_spike:
        ingestion_services.snap_back(campaign.mongo_id)
    # After the queue item: a planner killed in between plans again and finds the item already there.
    spike_rates.record(campaign.mongo_id, cycle, rates, set(spiking), in_spike)
    return numbers


def _queue(campaign: Campaign, cycle: dict, docs: list[dict], rates: spike_rates.CycleRates, spiking: list[str],
           whole: dict) -> dict:
    tweets = {t.tweet_id: t for t in campaign.tweets.all()}
    named = spiking or sorted(
        (r.tweet_id for r in rates.tweets.values() if r.current and r.current["count"]),
        key=lambda t: -(spike_rates.TweetRate.rate([rates.tweets[t].current]) or 0))[:TOP_TWEETS]
    listed = sorted((_tweet_numbers(rates.tweets[t], tweets.get(t)) for t in named),
                    key=lambda n: -((n["ratio"] or float("inf")) if n["count"] else 0))
    numbers = {"tweets": listed, "tweets_spiked": bool(spiking), "campaign": whole,
               "factor": campaign.spike_factor, "top": top_accounts(docs)}
    now = timezone.now()
    started = cycle["started_at"]
    item = {
        "campaign_id": campaign.mongo_id, "kind": SPIKE, "user_id": SPIKE, "username": "", "name": "",
        "followers": 0, "account_category": SPIKE, "action_type": SPIKE, "engagement_id": None,
        "importance_score": max((a["importance_score"] for a in numbers["top"]), default=0.0),
        # The history row's time is the cycle's start: one spike alert per cycle and channel.
        "engagements": [{"action_type": SPIKE, "hour": started, "timestamp": started, "tweet_category": None,
                         "text": None, "engagement_tweet_id": None}],
        # Urgent: claimed before every account alert still waiting, this cycle's or an earlier backlog's.
        "spike": numbers, "run_batch": cycle["_id"], "scheduled_send_time": min(now, started), "status": "pending",
        "urgent": True,
        "claimed_by": None, "claim_until": None, "sent_at": None, "skip_reason": None, "created_at": now,
    }
    mongo.collection(mongo.ALERT_QUEUE).update_one(
        {"campaign_id": campaign.mongo_id, "user_id": SPIKE, "run_batch": cycle["_id"]},
        {"$setOnInsert": item}, upsert=True)
    return numbers

