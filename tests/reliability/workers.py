"""Real Celery workers wired to the test stores, the test database and a simulator."""

from __future__ import annotations

from tests.support.database import shared_database_url

from tests.conftest import start_worker


def worker_env(simulator, **extra) -> dict[str, str]:
    env = {
        "DATABASE_URL": shared_database_url(),
        "X_API_BASE_URL": simulator.base_url,
        "X_API_KEY": "test-key",
        "X_API_RATE_LIMIT_RPS": "200",
        "SOCAP_LEASE_SECONDS": "2",
        # As in production, redelivery waits longer than any task runs (a slowed backfill
        # takes ~5 s here); a shorter timeout would hand a still-running task out twice.
        "SOCAP_VISIBILITY_TIMEOUT": "12",
        "SOCAP_UNACKED_RESTORE_INTERVAL": "1",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def worker(log_dir, simulator, concurrency: int = 1, queues: str = "control,celery", **extra):
    return start_worker(log_dir, extra_env=worker_env(simulator, **extra), concurrency=concurrency, include=(),
                        queues=queues)
