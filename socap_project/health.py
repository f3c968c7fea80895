"""Reachability checks for every store and process the system depends on."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from socap_project import mongo
from socap_project.celery import app
from socap_project.redis_client import get_redis
from xapi import keyhealth

HEARTBEAT_KEY = "socap:beat:heartbeat"


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
    mongo.ping()
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


def _x_api_key() -> str:
    status = keyhealth.current_status()
    if status["rejected"]:
        raise RuntimeError(status["reason"])
    return f"key {status['fingerprint']} not rejected"


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "mongo": _mongo,
    "redis": _redis,
    "celery_worker": _workers,
    "celery_beat": _beat,
    "x_api_key": _x_api_key,
}


def run_checks(names: list[str] | None = None) -> list[CheckResult]:
    results = []
    for name, check in CHECKS.items():
        if names is not None and name not in names:
            continue
        started = time.perf_counter()
        try:
            detail, ok = check(), True
        except Exception as exc:  # noqa: BLE001 - any failure means "unhealthy", with its reason
            detail, ok = f"{type(exc).__name__}: {exc}", False
        results.append(CheckResult(name, ok, detail, round((time.perf_counter() - started) * 1000, 1)))
    return results
