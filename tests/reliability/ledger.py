"""What the reliability harness did, printed at the end of the test run.

Every harness test compares what the system stored or sent with what it should have
and records the difference here before asserting it, so the summary line reports the
whole run: runs, faults injected, kills, bad inputs tried, lost, duplicated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

FIELDS = ("runs", "faults injected", "kills", "bad inputs tried", "lost", "duplicated")
COUNTS: Counter = Counter()


def record(**counts: int) -> None:
    COUNTS.update({key.replace("_", " "): value for key, value in counts.items()})


def compare(expected: Iterable, actual: Counter) -> tuple[set, dict]:
    """Record one run: what is missing from `actual` and what it holds more than once."""
    missing = set(expected) - set(actual)
    repeated = {key: n for key, n in actual.items() if n > 1}
    record(runs=1, lost=len(missing), duplicated=sum(n - 1 for n in repeated.values()))
    return missing, repeated


def summary() -> str | None:
    if not COUNTS:
        return None
    return "reliability: " + ", ".join(f"{COUNTS[name]} {name}" for name in FIELDS)
