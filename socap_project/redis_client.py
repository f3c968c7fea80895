"""The project's Redis connection (locks, heartbeats, the shared rate limiter)."""

from __future__ import annotations

import os

import redis
from django.conf import settings

_clients: dict[tuple[int, str], redis.Redis] = {}


def get_redis() -> redis.Redis:
    """One connection pool per process and URL; a forked child builds its own."""
    key = (os.getpid(), settings.REDIS_URL)
    conn = _clients.get(key)
    if conn is None:
        conn = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )
        _clients[key] = conn
    return conn


def is_unavailable(exc: BaseException) -> bool:
    """Redis cannot answer right now (down, loading, a replica promoted mid-write, full under
    `noeviction`), not a bad command."""
    return isinstance(exc, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                            redis.exceptions.ReadOnlyError, redis.exceptions.OutOfMemoryError))
