"""Keyset pages that cost what they return, on any MongoDB-compatible engine.

A sort + limit over a range open at one end may read every document the range
matches (the embedded engine does; see docs/scale.md), and so may an equality
with a limit. A range closed on both ends over an index costs what it matches.
So pages are read as closed windows of a per-campaign sequence number `seq`,
newest first, the window doubling when it comes back short (gaps, filters);
the first window is sized from write-time counters so it usually matches just
one page.

Importance order is (score desc, seq desc). A histogram of scores kept at write
time says how many documents each score has: scores with few documents are
read as one closed score range, a crowded score (typically 0) as seq windows
within it. The ranges always cover every score, so a stale histogram costs
speed, never a missing row.
"""

from __future__ import annotations

import math
from collections.abc import Callable

MAX_SCORE, MIN_SCORE = 1e18, -1e18  # closes "everything above/below" ranges
CROWDED = 200  # documents of one score above which it is read in seq windows


def by_seq(find: Callable[[dict], list[dict]], *, below: int, need: int, density: float,
           seq_field: str = "seq") -> list[dict]:
    """Up to `need` documents with seq < `below`, highest seq first.

    `find(range_query)` runs the caller's query (its filters) with the
    `{seq_field: {...}}` range merged in. `density` estimates the share of
    sequence numbers that match (1.0 when unfiltered and gapless).
    """
    found: list[dict] = []
    width = max(need, math.ceil(need / max(density, 1e-4)))
    high = below
    while high > 1 and len(found) < need:
        low = max(1, high - width)
        window = find({seq_field: {"$gte": low, "$lt": high}})
        window.sort(key=lambda doc: doc[seq_field], reverse=True)
        found += window[: need - len(found)]
        high, width = low, width * 2
    return found


def score_key(score: float) -> str:
    """A histogram field name for a score (field names cannot hold dots)."""
    return repr(float(score)).replace(".", "_")


def score_of(key: str) -> float:
    return float(key.replace("_", "."))


def by_score(find: Callable[[dict], list[dict]], *, histogram: dict[str, int], need: int, top_seq: int,
             after: tuple[float, int] | None = None, score_field: str = "importance_score",
             seq_field: str = "seq", density: float = 1.0, above: float | None = None) -> list[dict]:
    """Up to `need` documents in (score desc, seq desc) order, strictly after the keyset `after`;
    with `above`, only scores above it (a top list of important accounts never reads the crowd at 0)."""
    counts: dict[float, int] = {}
    for key, count in histogram.items():
        if count > 0 and (above is None or score_of(key) > above):
            counts[score_of(key)] = counts.get(score_of(key), 0) + count
    cursor_score, cursor_seq = after if after else (math.inf, top_seq + 1)
    found: list[dict] = []

    def order(doc):
        return (-doc[score_field], -doc[seq_field])

    def take_range(low: float, low_inclusive: bool, high: float) -> None:
        """Scores in [low, high) (or (low, high)), capped at the cursor score."""
        if low > cursor_score or len(found) >= need:
            return
        # "<= cursor score" written as "< the next float up": the embedded engine's index
        # scan drops the bound itself on $lte (measured), and the two mean the same anywhere.
        upper = {"$lt": math.nextafter(cursor_score, math.inf) if high > cursor_score else high}
        docs = find({score_field: {("$gte" if low_inclusive else "$gt"): low, **upper}})
        docs = [d for d in docs if (d[score_field], d[seq_field]) < (cursor_score, cursor_seq)]
        docs.sort(key=order)
        found.extend(docs[: need - len(found)])

    def take_crowded(score: float) -> None:
        if score > cursor_score or len(found) >= need:
            return
        below = cursor_seq if score == cursor_score else top_seq + 1

        def within(seq_range: dict) -> list[dict]:
            return find({score_field: score, **seq_range})

        found.extend(by_seq(within, below=below, need=need - len(found), density=density, seq_field=seq_field))

    high = MAX_SCORE * 10  # the first range is closed too
    pending_low: float | None = None
    pending_count = 0
    for score in sorted(counts, reverse=True):
        if counts[score] > CROWDED:
            if pending_low is not None:
                take_range(pending_low, True, high)
                high, pending_low, pending_count = pending_low, None, 0
            take_range(score, False, high)
            take_crowded(score)
            high = score
        else:
            if pending_low is not None and pending_count + counts[score] > CROWDED:
                take_range(pending_low, True, high)
                high, pending_count = pending_low, 0
            pending_low, pending_count = score, pending_count + counts[score]
        if len(found) >= need:
            return found
    if pending_low is not None:
        take_range(pending_low, True, high)
        high = pending_low
    if above is None:  # the histogram is written with the rows; this range finds what it has not counted
        take_range(MIN_SCORE, True, high)
    return found
