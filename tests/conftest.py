import os
import sys
import uuid
from pathlib import Path

import pytest

from socap_project import mongo
from socap_project.redis_client import get_redis
from tests.support import external_mongo
from tests.support.database import shared_database_url
from tests.support.processes import ManagedProcess


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, plus: on PostgreSQL, close what a killed worker process left connected to the
    test database, which would otherwise keep it from being dropped at the end."""
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(autouse=True)
def _fresh_health_answers():
    """Each test sees its own stores' health, not an answer another test left in the 10 s cache."""
    from socap_project import health

    health.forget_cached()


@pytest.fixture
def mongo_db():
    """The test database, emptied (indexes kept) before each test that uses it."""
    database = mongo.db()
    external_mongo.assert_test_database(database.name)  # it empties every collection: never a real database
    for name in database.list_collection_names():
        database[name].delete_many({})
    mongo.ensure_indexes()
    return database


@pytest.fixture
def redis_conn():
    conn = get_redis()
    conn.flushdb()
    return conn


@pytest.fixture
def tmp_log_dir() -> Path:
    path = Path(os.environ.get("SOCAP_TEST_TMP", "/tmp")) / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_worker(log_dir: Path, *, extra_env: dict[str, str] | None = None, concurrency: int = 1,
                 include: tuple[str, ...] = ("tests.support.celery_tasks",),
                 queues: str = "control,celery") -> ManagedProcess:
    """A real `celery worker` process using the test stores; like the Procfile's, it consumes the
    control queue ahead of the list jobs' (`queues="control"` is the Procfile's control worker)."""
    name = f"worker-{uuid.uuid4().hex[:8]}"
    argv = [sys.executable, "-m", "celery", "-A", "socap_project", "worker", "--pool", "prefork", "-Q", queues,
            "--concurrency", str(concurrency), "--loglevel", "INFO", "-n", f"{name}@%h",
            "--without-gossip", "--without-mingle"]
    for module in include:
        argv += ["--include", module]
    env = {"DATABASE_URL": shared_database_url(), **(extra_env or {})}
    return ManagedProcess(name, argv, log_dir, env=env, ready_text="ready.").start(timeout=60)


@pytest.fixture
def celery_worker(tmp_log_dir):
    worker = start_worker(tmp_log_dir)
    yield worker
    worker.stop()


@pytest.fixture
def simulator(tmp_log_dir, settings):
    """A fresh simulator (tiny scenario, manual clock two hours after launch; every tweet is
    posted by then) with the client pointed at it."""
    from tests.support.simulator import SimulatorProcess

    sim = SimulatorProcess(tmp_log_dir, scenario="tiny", extra=["--start", "2025-03-15T17:00:00Z"]).start()
    settings.X_API_BASE_URL = sim.base_url
    settings.X_API_KEY = "test-key"
    settings.X_API_MAX_RETRIES = 2
    settings.X_API_TIMEOUT_SECONDS = 5
    settings.X_API_RATE_LIMIT_RPS = 200
    yield sim
    sim.stop()


@pytest.fixture
def sinks(tmp_log_dir, settings, redis_conn, mongo_db):
    """Local Slack-webhook and SMTP sinks, with Django's email going to the SMTP one."""
    from tests.support.sinks import Sinks

    sink = Sinks(tmp_log_dir)
    sink.process.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.smtp_port
    yield sink
    sink.process.stop()


@pytest.fixture
def eager_tasks():
    """Celery tasks run inline in this process (a budget alert, a re-check's "poll once")."""
    from socap_project.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
