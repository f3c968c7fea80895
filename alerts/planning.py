"""Planning one poll cycle's alerts, once (docs/alerts.md, "A run is a poll cycle").

A cycle's new engagements are the closed window of sequence numbers
(seq_from, seq_to]: seq_from is where the campaign's previous plan stopped
(`alert_seq`, alerts/planner_state.py), seq_to the last number handed out when
this plan fixed its window. Windows are contiguous, so every engagement falls
in exactly one cycle, and reading one costs what the cycle found.

One planner per campaign at a time: a claim (conditional update with expiry)
on the campaign's planner document (alerts/planner_state.py). The claim records the cycle being
planned, and the window is written on the cycle before `alert_seq` moves past
it, so a planner killed at any point leaves either nothing done or a fixed
window that the next claimer plans first. Planning twice is harmless: queue
items are unique per (campaign, account, cycle) and the spike per (campaign,
cycle).

An engagement can be stored into a window after the window was read (its
number was reserved earlier by a job still running when the bounded wait ran
out); its own hand-off sees `alert_seq` past it and queues it at once
(`alerts.services.queue_late_alerts`).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from alerts import planner_state, spikes
from alerts.queueing import queue_for_run
from campaigns.models import Campaign
from ingestion import selectors as ingestion_selectors
from ingestion import services as ingestion_services
from ingestion.contract import projection

log = logging.getLogger(__name__)
# What planning needs of an engagement (rules, message, spike).
FIELDS = projection("campaign_id", "user_id", "tweet_id", "tweet_category", "action_type", "text",
                    "engagement_tweet_id", "hour", "timestamp", "importance_score", "account_category",
                    "account_profile", "seq", "time_precision")


@dataclass
class CyclePlan:
    state: str  # planned | busy | already_planned | missing
    found: int = 0
    queued: int = 0
    spike: bool = False


def send_by(cycle: dict) -> dt.datetime:
    """Alerts of a cycle go out before the next fan-out, with one sender tick to spare."""
    margin = min(60.0, settings.SOCAP_POLL_INTERVAL_SECONDS / 5)
    return cycle["next_at"] - dt.timedelta(seconds=margin)


def _claim(campaign_id: str, owner: str, now: dt.datetime) -> dict | None:
    return planner_state.claim(
        campaign_id, owner, now, now + dt.timedelta(seconds=settings.SOCAP_ALERT_CLAIM_SECONDS))


def _plan_one(campaign: Campaign, cycle_id: str, owner: str) -> CyclePlan:
    cycle = ingestion_selectors.poll_cycle(cycle_id)
    if cycle is None or cycle["state"] == ingestion_selectors.CYCLE_PLANNED:
        return CyclePlan("already_planned")
    planner_state.planning_cycle(campaign.mongo_id, owner, cycle_id)
    start, end = planner_state.fix_window(cycle, owner)
    docs = ingestion_selectors.cycle_window(campaign.mongo_id, start, end, FIELDS)
    queued = queue_for_run(campaign, docs, cycle_id, send_by=send_by(cycle))
    spike = spikes.evaluate(campaign, cycle, docs)
    planner_state.record_outcome(cycle_id, found=len(docs), spike=spike is not None)
    ingestion_services.mark_cycle_planned(cycle_id)
    planner_state.cycle_planned(campaign.mongo_id, owner, cycle_id)
    log.info("cycle %s: %d new engagements (seq %d..%d], %d alerts queued%s", cycle_id, len(docs), start, end,
             queued, ", spike" if spike else "")
    return CyclePlan("planned", found=len(docs), queued=queued, spike=spike is not None)


def plan_cycle(cycle_id: str) -> CyclePlan:
    cycle = ingestion_selectors.poll_cycle(cycle_id)
    if cycle is None:
        return CyclePlan("missing")
    if cycle["state"] == ingestion_selectors.CYCLE_PLANNED:
        return CyclePlan("already_planned")
    campaign = Campaign.objects.filter(pk=int(cycle["campaign_id"])).first()
    if campaign is None:
        return CyclePlan("missing")
    owner = uuid.uuid4().hex
    state = _claim(campaign.mongo_id, owner, timezone.now())
    if state is None:
        return CyclePlan("busy")  # another planner of this campaign; the sweep comes back for this one
    try:
        unfinished = state.get("cycle")
        if unfinished and unfinished != cycle_id:
            _plan_one(campaign, unfinished, owner)  # its window may be fixed: it goes first
        return _plan_one(campaign, cycle_id, owner)
    finally:
        planner_state.release(campaign.mongo_id, owner)


def plan_due() -> list[CyclePlan]:
    """The bounded wait: plan every cycle whose wait ran out (a stuck, lost or killed job)."""
    return [plan_cycle(cycle_id) for cycle_id in ingestion_selectors.due_cycles()]
