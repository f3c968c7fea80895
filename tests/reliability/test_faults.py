"""Simulator faults, one kind alone and every transient kind mixed at random, converge to ground truth.

(The permanent kinds, a rejected key and a tweet gone, stop polling until staff act:
tests/ingestion/test_permanent_errors.py.)"""

import pytest

from fakes.x_api.state import TRANSIENT_FAULT_KINDS
from socap_project import mongo
from tests.ingestion.helpers import poll_cycle, tiny_campaign, truth_keys
from tests.reliability import ledger
from tests.reliability.convergence import recover_and_compare

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def env(simulator, mongo_db, redis_conn, settings):
    settings.SOCAP_RATE_LIMIT_BLOCK_SECONDS = 0
    settings.SOCAP_CREDITS_BLOCK_SECONDS = 0
    settings.X_API_TIMEOUT_SECONDS = 1  # a "timeout" fault answers after 2 s
    return simulator


def injected(env) -> int:
    return sum(n for key, n in env.stats().items() if key.startswith("fault:"))


def test_timeouts_alone_converge(env):
    campaign = tiny_campaign()
    env.advance(hours=30)
    env.faults([{"kind": "timeout", "delay_seconds": 2, "count": 4}])
    poll_cycle(campaign)
    ledger.record(faults_injected=injected(env))
    recover_and_compare(env, campaign)


@pytest.mark.parametrize("seed", [11, *(pytest.param(s, marks=pytest.mark.slow) for s in (12, 13, 14))])
def test_every_fault_kind_mixed_at_random_converges(env, seed):
    campaign = tiny_campaign()
    env.faults([{"kind": kind, "probability": 0.06, "count": None, "retry_after": 0, "delay_seconds": 2}
                for kind in TRANSIENT_FAULT_KINDS], seed=seed)  # permanent kinds wait for staff, by design
    seen = set()
    for _ in range(6):  # a poll every 6 simulated hours, faults firing throughout
        env.advance(hours=6)
        poll_cycle(campaign)
        seen |= truth_keys(env.ground_truth(), visible_only=True)
        mongo.collection(mongo.WORKER_STATE).update_many({}, {"$set": {"blocked_until": None}})
    fired = injected(env)
    ledger.record(faults_injected=fired)
    assert fired >= 5, env.stats()
    recover_and_compare(env, campaign, seen)
