"""Reads of API spend, budget state and tweet cadence: point lookups only (see ingestion/costs/spend.py).

A campaign's spend is one `$in` by `_id` over its total counter, the key
document and one counter per recent hour: bounded by the hours shown, never a
scan of `api_usage`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from campaigns.models import Campaign
from ingestion.costs import spend
from ingestion.costs.budget import Standing
from ingestion.polling.worker_state import JOB_TYPES
from socap_project import mongo
from xapi.credits import CREDITS_PER_USD

HOURS_SHOWN = 48
RATE_HOURS = 3  # the projection's "current rate": credits per hour over the last three hours


def _usd(credits: int | float) -> float:
    return round(credits / CREDITS_PER_USD, 2)


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


def campaign_spend(campaign: Campaign, now: dt.datetime | None = None) -> dict:
    """Requests, credits and dollars so far (per job type and hour), the projection and the budget state."""
    now = now or timezone.now()
    ids = [spend.total_id(campaign.mongo_id), spend.key_id()]
    docs = {d["_id"]: d for d in mongo.collection(spend.SPEND).find({"_id": {"$in": ids}})}
    total = docs.get(ids[0]) or {}
    key = docs.get(ids[1]) or {}
    # The hours up to the latest call (a completed campaign keeps its last two days on show).
    last = _hour(max(_aware(total.get("updated_at")) or now, now - dt.timedelta(hours=RATE_HOURS)))
    hours = [last - dt.timedelta(hours=back) for back in range(HOURS_SHOWN - 1, -1, -1)]
    docs.update({d["_id"]: d for d in mongo.collection(spend.SPEND).find(
        {"_id": {"$in": [spend.hour_id(campaign.mongo_id, h) for h in hours]}})})
    per_hour = [{"hour": h.isoformat(), "label": f"{h:%b %d %H}:00", "requests": int(d.get("requests_total", 0)),
                 "credits": int(d.get("credits_total", 0)), "usd": _usd(d.get("credits_total", 0))}
                for h in hours if (d := docs.get(spend.hour_id(campaign.mongo_id, h)))]

    credits = int(total.get("credits_total", 0))
    rate = _rate(total, docs, campaign, now)
    live = campaign.status == Campaign.Status.ACTIVE and now < campaign.end_date
    hours_left = max(0.0, (campaign.end_date - max(now, campaign.start_date)).total_seconds() / 3600) if live else 0.0
    projected = round(credits + rate * hours_left)
    until = _aware(key.get("blocked_until"))
    standing = Standing(spent=credits, budget=campaign.credit_budget,
                        key_reason=key.get("blocked_reason") if until and until > now else None,
                        key_until=until if until and until > now else None)
    return {
        "requests": int(total.get("requests_total", 0)),
        "credits": credits,
        "usd": _usd(credits),
        "by_job_type": {job: {"requests": int((total.get("requests") or {}).get(job, 0)),
                              "credits": int((total.get("credits") or {}).get(job, 0)),
                              "usd": _usd((total.get("credits") or {}).get(job, 0))} for job in JOB_TYPES},
        "per_hour": per_hour,
        "projection": {"credits_per_hour": round(rate), "hours_left": round(hours_left, 1),
                       "credits_at_end": projected, "usd_at_end": _usd(projected)},
        "budget": {"credits": campaign.credit_budget, "used_percent": standing.used_percent,
                   "remaining": max(0, campaign.credit_budget - credits) if campaign.credit_budget else None,
                   "projected_over": bool(campaign.credit_budget and projected > campaign.credit_budget)},
        "blocked": standing.blocked_reason is not None,
        "blocked_reason": standing.blocked_reason,
    }


def _rate(total: dict, docs: dict, campaign: Campaign, now: dt.datetime) -> float:
    """Credits per hour over the current hour and the RATE_HOURS before it (since the first call, if later)."""
    started = _aware(total.get("first_at"))
    if started is None:
        return 0.0
    oldest = _hour(now) - dt.timedelta(hours=RATE_HOURS)
    elapsed = max((now - max(oldest, started)).total_seconds() / 3600, 1 / 60)
    recent = sum(int((docs.get(spend.hour_id(campaign.mongo_id, oldest + dt.timedelta(hours=k))) or {})
                     .get("credits_total", 0)) for k in range(RATE_HOURS + 1))
    return recent / elapsed


def blocked_campaigns(now: dt.datetime | None = None) -> dict:
    """For /socap/workers/status: the key's 402 state and every active campaign that may not poll now."""
    now = now or timezone.now()
    live = list(Campaign.objects.filter(status=Campaign.Status.ACTIVE).only("pk", "launch_name", "credit_budget"))
    budgeted = [c for c in live if c.credit_budget]
    ids = [spend.key_id(), *(spend.total_id(c.mongo_id) for c in budgeted)]
    docs = {d["_id"]: d for d in mongo.collection(spend.SPEND).find({"_id": {"$in": ids}})}
    key = docs.get(ids[0]) or {}
    until = _aware(key.get("blocked_until"))
    key_blocked = until is not None and until > now
    rows = []
    for campaign in live:
        standing = Standing(spent=int((docs.get(spend.total_id(campaign.mongo_id)) or {}).get("credits_total", 0)),
                            budget=campaign.credit_budget,
                            key_reason=key.get("blocked_reason") if key_blocked else None,
                            key_until=until if key_blocked else None)
        if standing.blocked_reason:
            rows.append({"campaign_id": campaign.pk, "launch_name": campaign.launch_name,
                         "reason": standing.blocked_reason})
    return {"api_key": {"blocked": key_blocked, "reason": key.get("blocked_reason") if key_blocked else None,
                        "until": until.isoformat() if key_blocked else None},
            "campaigns": rows}


def cadences(campaign: Campaign) -> dict[str, dict]:
    """Per tweet: how often it is polled now (minutes) and whether it is resting (ingestion/polling/cadence.py)."""
    interval = settings.SOCAP_POLL_INTERVAL_SECONDS / 60
    return {
        s["tweet_id"]: {"factor": int(s.get("cadence") or 1), "minutes": round(int(s.get("cadence") or 1) * interval),
                        "next_poll_at": s.get("next_poll_at")}
        for s in mongo.collection(mongo.WORKER_STATE).find(
            {"campaign_id": campaign.mongo_id, "job_type": "metrics"},
            {"_id": 0, "tweet_id": 1, "cadence": 1, "next_poll_at": 1})
    }
