"""One request budget per API key, shared by every worker process through Redis.

Uses the `limits` package's moving window on Redis: each call takes a slot;
when none is free the caller sleeps until one frees up, at most `max_wait`
seconds, then gives up with RateLimited (the job blocks itself and retries later).
"""

from __future__ import annotations

import hashlib
import time
from functools import lru_cache

from django.conf import settings
from limits import RateLimitItemPerSecond, parse
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from xapi.errors import RateLimited


@lru_cache(maxsize=8)
def _limiter(redis_url: str) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(RedisStorage(redis_url))


def _item(rps: float):
    if rps >= 1:
        return RateLimitItemPerSecond(int(rps))
    return parse(f"1 per {round(1 / rps)} seconds")


class KeyRateLimiter:
    def __init__(self, api_key: str, rps: float, max_wait: float = 30.0):
        self.rps, self.max_wait = rps, max_wait
        self.item = _item(rps)
        self.key = "x-api:" + hashlib.sha256(api_key.encode()).hexdigest()[:16]

    def acquire(self) -> None:
        limiter = _limiter(settings.REDIS_URL)
        deadline = time.monotonic() + self.max_wait
        while not limiter.hit(self.item, self.key):
            if time.monotonic() > deadline:
                raise RateLimited(f"no request slot within {self.max_wait:.0f} s ({self.rps} requests/s per key)",
                                  retry_after=1)
            time.sleep(min(0.05, 1 / max(self.rps, 1)))
