"""Which engagements alert, and how one run's alerts are spread over the spacing window."""

from __future__ import annotations

import datetime as dt
import random

from campaigns.models import Campaign


def qualifies(campaign: Campaign, engagement: dict) -> bool:
    threshold = campaign.threshold_for(engagement["tweet_category"], engagement["action_type"])
    return float(engagement.get("importance_score") or 0) >= threshold


def strongly_negative(campaign: Campaign, engagement: dict) -> bool:
    """A reply or quote at or below the campaign's sentiment threshold, from an account that alerts anyway.

    Such an alert is flagged and sent first in its run: a complaint from an
    important account is the one message a launch team has to answer quickly.
    """
    score = engagement.get("sentiment_score")
    return (engagement["action_type"] in ("reply", "quote") and score is not None
            and score <= campaign.negative_sentiment_threshold and qualifies(campaign, engagement))


def spread(count: int, now: dt.datetime, spacing_minutes: int, rng: random.Random | None = None) -> list[dt.datetime]:
    """`count` send times from now to the end of the window, evenly spaced with a little jitter.

    The first goes out now; each later one lands within its own slot, so the
    order (most important first) is kept and the last is sent before the window ends.
    """
    if count <= 0:
        return []
    rng = rng or random.Random()  # noqa: S311 - spreads send times, nothing secret
    slot = dt.timedelta(minutes=spacing_minutes) / count
    times = []
    for index in range(count):
        jitter = slot * rng.uniform(0, 0.4) if index else dt.timedelta(0)
        times.append(now + slot * index + jitter)
    return times
