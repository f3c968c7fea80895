"""After faults, crashes or outages: poll until settled, then compare with the simulator's ground truth."""

from __future__ import annotations

import time

from socap_project import mongo
from tests.ingestion.helpers import assert_matches_truth, poll_cycle, stored_keys, truth_keys
from tests.reliability import ledger


def recover_and_compare(env, campaign, seen: set = frozenset(), *, lease_wait: float = 0.0) -> None:
    """Faults off, a few clean cycles (blocks lifted as their Retry-After would; `lease_wait` lets an
    interrupted run's lease lapse), then record and assert: nothing lost, nothing twice."""
    env.faults([])
    for _ in range(3):
        mongo.collection(mongo.WORKER_STATE).update_many({}, {"$set": {"blocked_until": None}})
        time.sleep(lease_wait)
        poll_cycle(campaign)
    truth = env.ground_truth()
    seen = set(seen) | truth_keys(truth, visible_only=True)
    lost, repeated = ledger.compare(seen, stored_keys(campaign))
    assert not repeated and not lost, (lost, repeated)
    assert_matches_truth(campaign, truth, seen)
