"""Keyset pages that cost what they return, on any MongoDB-compatible engine.

A sort + limit over a range open at one end may read every document the range
matches (the embedded engine does; see docs/scale.md), and so may an equality
with a limit. A range closed on both ends over an index costs what it matches.
So pages are read as closed windows of a per-campaign sequence number `seq`,
newest first. The first window is sized from write-time counters so it usually
matches just one page; when it comes back short (gaps, filters), the next one
is sized from the density the windows so far have shown, for what is still
missing (never more than double the last), and an empty window restarts at the
first size, then doubles. A read costs about a round trip plus what it returns,
so a short tail window is cheaper than doubling past a page's worth.

Importance order is (score desc, seq desc). A histogram of scores kept at write
time says how many documents each score has: the top scores are read as one
closed score range as soon as they hold the rest of the page (at most CROWDED
documents), a crowded score (typically 0) as seq windows within it. The ranges
always cover every score, so a stale histogram costs speed, never a missing row.
"""

from __future__ import annotations

import math
from collections.abc import Callable

MAX_SCORE, MIN_SCORE = 1e18, -1e18  # closes "everything above/below" ranges
CROWDED = 200  # documents of one score above which it is read in seq windows
TAIL_MARGIN = 1.25  # later windows: this much more than the density seen says is still missing
PRIOR = 4  # weight of the counters' density in a later window's estimate, in documents


def by_seq(find: Callable[[dict], list[dict]], *, below: int, need: int, density: float,
           seq_field: str = "seq") -> list[dict]:
    """Up to `need` documents with seq < `below`, highest seq first.

    `find(range_query)` runs the caller's query (its filters) with the
    `{seq_field: {...}}` range merged in. `density` estimates the share of
    sequence numbers that match (1.0 when unfiltered and gapless).
    """
    found: list[dict] = []
    density = max(density, 1e-4)
    first = max(need, math.ceil(need / density))
    width, high = first, below
    # Since the last empty window: the highest match and how many matched from it down to `high`.
    top_match, matched, empty_run = None, 0, 0
    while high > 1 and len(found) < need:
        low = max(1, high - width)
        window = find({seq_field: {"$gte": low, "$lt": high}})
        window.sort(key=lambda doc: doc[seq_field], reverse=True)
        found += window[: need - len(found)]
        high, missing = low, need - len(found)
        if window:
            empty_run = 0
            top_match = window[0][seq_field] if top_match is None else top_match
            matched += len(window)
            # The density seen below the highest match, weighed with the counters' estimate (PRIOR
            # documents' worth, so one early match cannot shrink the window to nothing); sized for
            # what is missing with a margin, never more than doubling.
            seen = (matched + PRIOR) / (top_match - low + 1 + PRIOR / density)
            width = min(2 * width, max(missing, math.ceil(missing * TAIL_MARGIN / seen) + 1))
        else:
            # A gap or a stretch without matches says nothing of the density below it: restart at
            # the first size, then double.
            top_match, matched, empty_run = None, 0, empty_run + 1
            width = max(width, first) if empty_run == 1 else 2 * width
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
    cursor_score, cursor_seq = after if after else (math.inf, top_seq + 1)
    counts: dict[float, int] = {}
    for key, count in histogram.items():
        score = score_of(key)
        # Scores above the cursor were on earlier pages: counting them would end a range too soon.
        if count > 0 and (above is None or score > above) and score <= cursor_score:
            counts[score] = counts.get(score, 0) + count
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
            if pending_count >= need - len(found):
                # These scores hold the rest of the page: read them now, not the scores below too.
                take_range(pending_low, True, high)
                high, pending_low, pending_count = pending_low, None, 0
        if len(found) >= need:
            return found
    if pending_low is not None:
        take_range(pending_low, True, high)
        high = pending_low
    if above is None:  # the histogram is written with the rows; this range finds what it has not counted
        take_range(MIN_SCORE, True, high)
    return found
