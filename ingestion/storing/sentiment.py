"""Sentiment of reply and quote texts: VADER, a lexicon and rules tuned for social-media text.

VADER ships its lexicon inside the package (no model download) and scores a
short text in tens of microseconds, so it runs inline in `store_page`, before
the bulk write, at no extra round trip. It is a lexicon score, not a reader:
sarcasm ("oh great, another wrapper") and domain slang read as their literal
words. The label cut-offs are VADER's own recommended ones (compound ≥ 0.05
positive, ≤ -0.05 negative).
"""

from __future__ import annotations

from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from ingestion.contract import NEGATIVE, NEUTRAL, POSITIVE

CUTOFF = 0.05


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    # Loading the lexicon takes ~50 ms: once per process, on first use.
    return SentimentIntensityAnalyzer()


def label_of(compound: float) -> str:
    if compound >= CUTOFF:
        return POSITIVE
    if compound <= -CUTOFF:
        return NEGATIVE
    return NEUTRAL


def score(text: str | None) -> dict:
    """`{"sentiment": label, "sentiment_score": compound in [-1, 1]}`; an empty text is neutral."""
    compound = round(_analyzer().polarity_scores(text)["compound"], 4) if text and text.strip() else 0.0
    return {"sentiment": label_of(compound), "sentiment_score": compound}
