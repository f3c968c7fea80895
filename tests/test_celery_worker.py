import uuid

from socap_project.celery import app
from socap_project.health import HEARTBEAT_KEY
from tests.conftest import start_worker
from tests.support.processes import wait_until as wait_for


def test_task_runs_on_a_real_worker(celery_worker, redis_conn):
    app.send_task("socap.heartbeat")
    assert wait_for(lambda: redis_conn.get(HEARTBEAT_KEY), timeout=20), celery_worker.tail()


def test_unacked_task_of_a_killed_worker_is_delivered_again(tmp_log_dir, redis_conn):
    # Redelivery waits for the visibility timeout; shorten it for both processes.
    env = {"SOCAP_VISIBILITY_TIMEOUT": "4", "SOCAP_UNACKED_RESTORE_INTERVAL": "1"}
    key = f"crash-{uuid.uuid4().hex}"
    first = start_worker(tmp_log_dir, extra_env=env)
    try:
        app.send_task("tests.record_run", args=[key, 30.0])
        assert wait_for(lambda: redis_conn.get(f"{key}:started"), timeout=20), first.tail()
        first.kill()  # kill -9 mid-task: the message was never acknowledged
    finally:
        first.stop()
    assert redis_conn.get(f"{key}:done") is None

    second = start_worker(tmp_log_dir, extra_env=env)
    try:
        # The task sleeps 30 s on the second run too; it must have been started again.
        assert wait_for(lambda: int(redis_conn.get(f"{key}:started") or 0) >= 2, timeout=60), second.tail()
    finally:
        second.stop()
