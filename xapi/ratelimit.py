"""One request budget per API key, shared by every worker process through Redis.

Uses the `limits` package's moving window on Redis: each call takes a slot;
when none is free it raises SlotBusy at once, with `retry_after` = the seconds
until the window frees the next slot. No worker sleeps holding its pool slot:
the task is retried with that countdown (ingestion/tasks.py), so a full rate
limit leaves the pool free for work that needs no request (hand-offs, alerts).
"""

from __future__ import annotations

import time
from functools import lru_cache

from django.conf import settings
from limits import RateLimitItemPerSecond, parse
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from xapi.account.fingerprint import fingerprint
from xapi.errors import SlotBusy


@lru_cache(maxsize=8)
def _limiter(redis_url: str) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(RedisStorage(redis_url))


def _item(rps: float):
    if rps >= 1:
        return RateLimitItemPerSecond(int(rps))
    return parse(f"1 per {round(1 / rps)} seconds")


class KeyRateLimiter:
    def __init__(self, api_key: str, rps: float):
        self.rps = rps
        self.item = _item(rps)
        self.key = "x-api:" + fingerprint(api_key)  # the key's one fingerprint (xapi/account/fingerprint.py)

    def acquire(self) -> None:
        """Take a request slot, or raise SlotBusy saying when the next one frees up."""
        limiter = _limiter(settings.REDIS_URL)
        if limiter.hit(self.item, self.key):
            return
        reset = limiter.get_window_stats(self.item, self.key).reset_time
        wait = min(max(reset - time.time(), 0.01), 1 / self.rps if self.rps < 1 else 1.0)
        raise SlotBusy(f"no request slot free ({self.rps} requests/s per key)", retry_after=wait)
