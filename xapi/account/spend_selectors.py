"""Reads of API spend and budget state: point lookups only (see spend.py).

A campaign's spend is one `$in` by `_id` over its total counter, the key
document and one counter per recent hour: bounded by the hours shown, never a
scan of `api_usage`.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from socap_project import mongo
from xapi.account import key_state, spend
from xapi.account.budget import standing_of
from xapi.account.credits import CREDITS_PER_USD

HOURS_SHOWN = 48
RATE_HOURS = 3  # the projection's "current rate": credits per hour over the last three hours


def _usd(credits: int | float) -> float:
    return round(credits / CREDITS_PER_USD, 2)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


def _by_id(ids: list[str]) -> dict[str, dict]:
    return {d["_id"]: d for d in mongo.collection(spend.SPEND).find({"_id": {"$in": ids}})}


def totals(campaign_id: str) -> dict:
    """Requests made and credits spent for the campaign so far: its total counter (one point lookup)."""
    total = mongo.collection(spend.SPEND).find_one(
        {"_id": spend.total_id(campaign_id)}, {"requests_total": 1, "credits_total": 1}) or {}
    return {"requests": int(total.get("requests_total", 0)), "credits": int(total.get("credits_total", 0))}


def campaign_spend(campaign_id: str, budget: int | None, window: tuple[dt.datetime, dt.datetime] | None,
                   now: dt.datetime | None = None) -> dict:
    """Requests, credits and dollars so far (per job type and hour), the projection and the budget state.

    `window` is the campaign's (start, end) while it is still polled, None once it is not: the
    projection runs to its end."""
    now = now or timezone.now()
    ids = [spend.total_id(campaign_id), key_state.key_id()]
    docs = _by_id(ids)
    total = docs.get(ids[0]) or {}
    # The hours up to the latest call (a completed campaign keeps its last two days on show).
    last = spend.hour_of(max(_aware(total.get("updated_at")) or now, now - dt.timedelta(hours=RATE_HOURS)))
    hours = [last - dt.timedelta(hours=back) for back in range(HOURS_SHOWN - 1, -1, -1)]
    docs.update(_by_id([spend.hour_id(campaign_id, h) for h in hours]))
    per_hour = [{"hour": h.isoformat(), "label": f"{h:%b %d %H}:00", "requests": int(d.get("requests_total", 0)),
                 "credits": int(d.get("credits_total", 0)), "usd": _usd(d.get("credits_total", 0))}
                for h in hours if (d := docs.get(spend.hour_id(campaign_id, h)))]

    credits = int(total.get("credits_total", 0))
    rate = _rate(total, docs, campaign_id, now)
    start, end = window or (now, now)
    hours_left = max(0.0, (end - max(now, start)).total_seconds() / 3600) if now < end else 0.0
    projected = round(credits + rate * hours_left)
    standing = standing_of(total, docs.get(ids[1]) or {}, budget, now)
    return {
        "requests": int(total.get("requests_total", 0)),
        "credits": credits,
        "usd": _usd(credits),
        "by_job_type": {job: {"requests": int((total.get("requests") or {}).get(job, 0)),
                              "credits": int((total.get("credits") or {}).get(job, 0)),
                              "usd": _usd((total.get("credits") or {}).get(job, 0))} for job in spend.JOB_TYPES},
        "per_hour": per_hour,
        "projection": {"credits_per_hour": round(rate), "hours_left": round(hours_left, 1),
                       "credits_at_end": projected, "usd_at_end": _usd(projected)},
        "budget": {"credits": budget, "used_percent": standing.used_percent,
                   "remaining": max(0, budget - credits) if budget else None,
                   "projected_over": bool(budget and projected > budget)},
        "blocked": standing.blocked_reason is not None,
        "blocked_reason": standing.blocked_reason,
    }


def _rate(total: dict, docs: dict, campaign_id: str, now: dt.datetime) -> float:
    """Credits per hour over the current hour and the RATE_HOURS before it (since the first call, if later)."""
    started = _aware(total.get("first_at"))
    if started is None:
        return 0.0
    oldest = spend.hour_of(now) - dt.timedelta(hours=RATE_HOURS)
    elapsed = max((now - max(oldest, started)).total_seconds() / 3600, 1 / 60)
    recent = sum(int((docs.get(spend.hour_id(campaign_id, oldest + dt.timedelta(hours=k))) or {})
                     .get("credits_total", 0)) for k in range(RATE_HOURS + 1))
    return recent / elapsed


def blocked_campaigns(campaigns, now: dt.datetime | None = None) -> dict:
    """For /socap/workers/status: the key's 402 state and which of these (active) campaigns may not poll now.

    Each campaign needs `pk`, `mongo_id`, `launch_name` and `credit_budget`."""
    now = now or timezone.now()
    campaigns = list(campaigns)
    ids = [key_state.key_id(), *(spend.total_id(c.mongo_id) for c in campaigns if c.credit_budget)]
    docs = _by_id(ids)
    key = docs.get(ids[0]) or {}
    key_reason, until = key_state.exhaustion(key, now)
    rows = []
    for campaign in campaigns:
        standing = standing_of(docs.get(spend.total_id(campaign.mongo_id)) or {}, key, campaign.credit_budget, now)
        if standing.blocked_reason:
            rows.append({"campaign_id": campaign.pk, "launch_name": campaign.launch_name,
                         "reason": standing.blocked_reason})
    return {"api_key": {"blocked": until is not None, "reason": key_reason,
                        "until": until.isoformat() if until else None},
            "campaigns": rows}
