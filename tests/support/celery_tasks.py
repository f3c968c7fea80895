"""Tasks that exist only for tests, loaded into test workers with --include."""

import time

from celery import shared_task

from socap_project.redis_client import get_redis


@shared_task(name="tests.record_run", acks_late=True)
def record_run(key: str, seconds: float = 0.0) -> None:
    """Counts its starts, sleeps, then marks itself done: shows redelivery after a crash."""
    conn = get_redis()
    conn.incr(f"{key}:started")
    time.sleep(seconds)
    conn.incr(f"{key}:done")
