"""Reachability checks for every store and process the system depends on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from socap_project import app_checks, mongo
from socap_project.celery import app
from socap_project.redis_client import get_redis

HEARTBEAT_KEY = "socap:beat:heartbeat"
# A deep check's answer is reused this long: a probe every second costs one Celery ping broadcast
# and one round of store pings per web process per CACHE_SECONDS, whoever calls.
CACHE_SECONDS = 10.0
CHECK_TIMEOUT_SECONDS = 3.0


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str
    millis: float


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor


def _mongo() -> str:
    mongo.ping(timeout_seconds=CHECK_TIMEOUT_SECONDS)
    return "ping ok"


def _redis() -> str:
    get_redis().ping()
    return "ping ok"


def _workers() -> str:
    replies = app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no Celery worker answered a ping within 1 s")
    return f"{len(replies)} worker(s) answered"


def _beat() -> str:
    raw = get_redis().get(HEARTBEAT_KEY)
    if raw is None:
        raise RuntimeError("Celery Beat has not ticked yet")
    age = time.time() - float(raw)
    if age > 180:
        raise RuntimeError(f"last Beat tick {age:.0f} s ago")
    return f"last tick {age:.0f} s ago"


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "mongo": _mongo,
    "redis": _redis,
    "celery_worker": _workers,
    "celery_beat": _beat,
}



def run_checks(names: list[str] | None = None) -> list[CheckResult]:
    results = []
    for name, check in {**CHECKS, **app_checks.REGISTERED}.items():
        if names is not None and name not in names:
            continue
        started = time.perf_counter()
        try:
            detail, ok = check(), True
        except Exception as exc:  # noqa: BLE001 - any failure means "unhealthy", with its reason
            detail, ok = f"{type(exc).__name__}: {exc}", False
        results.append(CheckResult(name, ok, detail, round((time.perf_counter() - started) * 1000, 1)))
    return results


_now = time.monotonic  # the cache's clock (tests move it)
_cache_lock = threading.Lock()
_cached: tuple[float, list[CheckResult]] | None = None


def cached_checks(max_age: float = CACHE_SECONDS) -> list[CheckResult]:
    """Every check, reusing this process's last answer while it is younger than `max_age` seconds.
    One caller at a time runs the checks; the others wait for its answer instead of repeating it."""
    global _cached
    with _cache_lock:
        if _cached is None or _now() - _cached[0] >= max_age:
            _cached = (_now(), run_checks())
        return _cached[1]


def forget_cached() -> None:
    global _cached
    with _cache_lock:
        _cached = None
