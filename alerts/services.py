"""Entry points of the alerts app used by other apps."""

from __future__ import annotations

from alerts.queueing import queue_for_run
from campaigns.models import Campaign


def queue_alerts_for_run(campaign: Campaign, new_engagements: list[dict], run_batch: str) -> int:
    """Hook called by ingestion with the engagements one run stored; returns how many alerts were queued."""
    return queue_for_run(campaign, new_engagements, run_batch)
