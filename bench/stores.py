"""Throwaway stores for a benchmark run: Redis, the embedded MongoDB-compatible server, Django."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.processes import mongo_process, mongo_uri, redis_process, redis_url  # noqa: E402


def start(folder: Path, **env: str) -> list:
    """Start the stores, point Django at them (plus `env`), migrate, create the indexes."""
    redis = redis_process(folder / "redis").start()
    mongo = mongo_process(folder / "mongo").start()
    (folder / "var").mkdir(exist_ok=True)
    os.environ.update({
        "SOCAP_ENV": "test", "SOCAP_VAR_DIR": str(folder / "var"), "REDIS_URL": redis_url(redis.port),
        "MONGODB_URI": mongo_uri(mongo.port), "MONGODB_DB": "socap_bench",
        "DJANGO_SETTINGS_MODULE": "socap_project.settings", **env,
    })
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from socap_project import mongo as store

    store.ensure_indexes()
    return [redis, mongo]


@contextmanager
def stopping(processes: list) -> Iterator[list]:
    """Stop every process when the benchmark ends, however it ends."""
    try:
        yield processes
    finally:
        for process in processes:
            process.stop()
