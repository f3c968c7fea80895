"""When the provider saw what it answers: the time stamped on readings and first sightings.

That is the real clock, except in the demo when the local simulator's clock runs N times
faster than real time (`SOCAP_DEMO_CLOCK_FACTOR` > 1): then a metric reading or a first-seen
retweet belongs at the simulated time it happened, beside the simulated reply and quote
times the simulator reports, or the charts would mix two clocks. Leases, blocks and
schedules always keep the real clock.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from django.conf import settings
from django.utils import timezone

from xapi import simulator_control

REFRESH_SECONDS = 30  # re-read the simulator's clock this often (it can be set or advanced)

_lock = threading.Lock()
_mapping: dict = {}


def accelerated() -> bool:
    return settings.X_API_USES_SIMULATOR and settings.SOCAP_DEMO_CLOCK_FACTOR > 1


def _simulator_mapping() -> tuple[dt.datetime, float, float]:
    """(simulated now at `real`, speed, real monotonic time of that reading), cached briefly."""
    with _lock:
        if _mapping.get("base") == settings.X_API_BASE_URL and time.monotonic() - _mapping["real"] < REFRESH_SECONDS:
            return _mapping["sim"], _mapping["speed"], _mapping["real"]
    body = simulator_control.clock()
    sim = dt.datetime.fromisoformat(body["now"])
    speed = float(body["speed"]) if body.get("mode") == "realtime" else 0.0
    real = time.monotonic()
    with _lock:
        _mapping.update(base=settings.X_API_BASE_URL, sim=sim, speed=speed, real=real)
    return sim, speed, real


def observed_now() -> dt.datetime:
    if not accelerated():
        return timezone.now()
    sim, speed, real = _simulator_mapping()
    return sim + dt.timedelta(seconds=(time.monotonic() - real) * speed)
