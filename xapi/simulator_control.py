"""The local X API simulator's control endpoints (`/_sim/...`), the one way production code reaches
them: the demo clock (ingestion/clock.py) and the demo's setup (socap_demo). The simulator itself is a
test double in `fakes/` and is never imported; these calls are plain HTTP, and only when
`X_API_USES_SIMULATOR` (no X_API_KEY) points `X_API_BASE_URL` at it.
"""

from __future__ import annotations

import requests
from django.conf import settings

SimulatorUnavailable = requests.RequestException


def _get(path: str, timeout: float) -> requests.Response:
    if not settings.X_API_USES_SIMULATOR:
        raise RuntimeError("X_API_KEY is set: there is no simulator to ask")
    response = requests.get(f"{settings.X_API_BASE_URL}{path}", timeout=timeout)
    response.raise_for_status()
    return response


def clock(timeout: float = 5) -> dict:
    """{"now", "launch", "mode", "speed"} of the simulated timeline."""
    return _get("/_sim/clock", timeout).json()


def scenario() -> dict:
    return _get("/_sim/scenario", 10).json()


def following_index_lines() -> list[str]:
    """The simulated accounts' follower rows, one JSON object per line."""
    return _get("/_sim/following_index", 30).text.splitlines()
