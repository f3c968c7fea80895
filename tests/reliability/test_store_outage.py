"""Mongo or Redis gone for a while in the middle of a poll: unhealthy while away, nothing lost after."""

import threading

import pytest

from socap_project import mongo
from tests.ingestion.helpers import poll_cycle, stored_keys, tiny_campaign
from tests.reliability import ledger
from tests.reliability.convergence import recover_and_compare
from tests.stores_plugin import STORES
from tests.support.processes import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
EXTERNAL = pytest.mark.skipif("mongo" not in STORES, reason="MongoDB is SOCAP_TEST_MONGODB_URI's server, "
                              "which the tests do not own and will not stop")


@pytest.fixture
def env(simulator, mongo_db, redis_conn, settings):
    settings.SOCAP_LEASE_SECONDS = 1  # leases of the interrupted run lapse quickly
    settings.MONGODB_TIMEOUT_MS = 1000
    mongo.reset_client()
    # Every list page takes 0.2 s, so the outage lands in the middle of the cycle.
    simulator.faults([{"kind": "timeout", "delay_seconds": 0.2, "count": None, "path": "/twitter/tweet/"}])
    yield simulator
    mongo.reset_client()


def failing(client) -> list[str]:
    response = client.get("/socap/health")
    return response.json()["failing"] if response.status_code == 503 else []


@pytest.mark.parametrize("store", [pytest.param("mongo", marks=EXTERNAL), "redis"])
def test_store_outage_mid_cycle_reports_unhealthy_then_recovers_losing_nothing(env, client, store):
    campaign = tiny_campaign()
    env.advance(hours=30)
    errors = []

    def cycle():
        try:
            poll_cycle(campaign)
        except Exception as exc:  # noqa: BLE001 - the outage surfaces as whatever the driver raises
            errors.append(exc)

    worker = threading.Thread(target=cycle)
    worker.start()
    process = STORES[store]
    try:
        assert wait_until(lambda: sum(stored_keys(campaign).values()) >= 10, 30)
        process.kill()
        ledger.record(kills=1)
        assert store in failing(client)
        worker.join(120)
        assert not worker.is_alive()
    finally:
        if not process.running:
            process.start()
    assert wait_until(lambda: store not in failing(client), 30), failing(client)

    recover_and_compare(env, campaign, lease_wait=1.2)
