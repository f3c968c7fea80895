"""Store a page and hand it to whoever reads it (dashboard counters, late alerts), in a fixed handful
of round trips whatever the campaign's size (docs/data-model.md, "The page write"):

1. the importance lookup of the page's accounts (ingestion/storing/engagements.py);
2. one unordered write: the engagement inserts, and the first-sighting claims the receivers add;
3. the rows of accounts seen before, when the page has any (the dashboard's histogram moves);
4. one unordered write: every counter increment the receivers add, the updates of engagements
   stored before, and the job's checkpoint: its lease, its resume point and `handed_off_seq`;
5. the alert planner's mark, to queue what falls in a window already planned (alerts).

Alerts are planned per poll cycle from the cycle's window of sequence numbers
(alerts/planning.py); a page only queues what falls in a window already planned.

The counters and `handed_off_seq` (how far this job's engagements are counted) travel in one
command, so a worker killed at any point leaves either both or neither: the next run of the job
hands off its engagements numbered above the mark (`dispatch_pending`), and nothing is counted
twice or missed. Claims name the engagement that made them, so that rerun keeps its own.
"""

from __future__ import annotations

from collections.abc import Callable

from campaigns.models import Campaign
from ingestion import signals
from ingestion.polling import leases
from ingestion.storing import engagements
from socap_project import mongo


def _count(campaign: Campaign, docs: list[dict], claims: mongo.Writes, writes: mongo.Writes, run_batch: str,
           recovered: bool) -> None:
    signals.engagements_stored.send(sender=Campaign, campaign=campaign, docs=docs, run_batch=run_batch,
                                    claims=claims, writes=writes, recovered=recovered)


def ingest_page(campaign: Campaign, *, tweet_id: str, tweet_category: str, job_type: str,
                engagers: list[engagements.Engager], now, run_batch: str,
                inserted_this_run: set[str] | None = None, seqs: engagements.SeqBlock | None = None,
                backfill: bool = False, owner: str | None = None,
                progress: Callable[[engagements.StoredPage], dict] | None = None,
                ) -> tuple[engagements.StoredPage, bool]:
    """Store one page and hand it off; returns what it stored and whether the job still holds its lease.

    With `owner`, the job's checkpoint rides in the hand-off's write: `progress(stored)` gives the
    fields to save (e.g. the resume cursor) and the lease is renewed.
    """
    cid = campaign.mongo_id
    plan = engagements.plan_page(
        campaign_id=cid, tweet_id=tweet_id, tweet_category=tweet_category, job_type=job_type, engagers=engagers,
        now=now, inserted_this_run=inserted_this_run, seqs=seqs, backfill=backfill)
    claims, writes = mongo.Writes(), mongo.Writes()
    if plan.docs:
        plan.add_inserts(claims)
        signals.engagements_storing.send(sender=Campaign, campaign_id=cid, docs=plan.docs, writes=claims)
        claims.send()
    stored, updates = plan.stored(claims.refused) if plan.docs else (engagements.StoredPage(), [])
    for op in updates:
        writes.add(op)
    if stored.new:
        _count(campaign, stored.new, claims, writes, run_batch, recovered=False)
    held = None
    if owner is not None:
        held = leases.add_checkpoint(writes, cid, tweet_id, job_type, owner, progress(stored) if progress else {},
                                     handed_off_seq=max((doc["seq"] for doc in stored.new), default=None))
    writes.send()
    return stored, True if held is None else writes.modified(held)


def hand_off(campaign: Campaign, docs: list[dict], run_batch: str, *, recovered: bool = False,
             mark: tuple[str, str, str] | None = None) -> int:
    """Count engagements already stored: their claims, then one write of every counter (and `mark`'s
    job's `handed_off_seq`, given as (tweet_id, job_type, owner), in that same write)."""
    if not docs:
        return 0
    claims, writes = mongo.Writes(), mongo.Writes()
    signals.engagements_storing.send(sender=Campaign, campaign_id=campaign.mongo_id, docs=docs, writes=claims)
    claims.send()
    _count(campaign, docs, claims, writes, run_batch, recovered)
    if mark is not None:
        tweet_id, job_type, owner = mark
        leases.add_checkpoint(writes, campaign.mongo_id, tweet_id, job_type, owner, {},
                              handed_off_seq=max(doc["seq"] for doc in docs))
    writes.send()
    return len(docs)


def dispatch_pending(campaign: Campaign, tweet_id: str, job_type: str, owner: str, state: dict,
                     run_batch: str) -> int:
    """Hand off what a crashed run of this job stored but did not count: its engagements numbered above
    the job's `handed_off_seq` (an index lookup that finds nothing unless a run crashed)."""
    action = engagements.ACTION_OF_JOB[job_type]
    pending = list(mongo.collection(mongo.ENGAGEMENTS).find({
        "campaign_id": campaign.mongo_id, "tweet_id": tweet_id, "action_type": action,
        "seq": {"$gt": int(state.get("handed_off_seq") or 0)}}))
    return hand_off(campaign, pending, run_batch, recovered=True, mark=(tweet_id, job_type, owner))


def metrics_changed(campaign: Campaign) -> None:
    signals.polling_state_changed.send(sender=Campaign, campaign_id=campaign.mongo_id)
