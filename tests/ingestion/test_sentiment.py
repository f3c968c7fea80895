"""VADER labels on a fixed table of real-looking launch replies, and the sentiment filter of the engagers table."""

import datetime as dt

import pytest

from ingestion.storing import sentiment
from ingestion.storing.engagements import Engager, store_page
from dashboard import selectors
from dashboard.services import record_engagements
from tests.factories import make_campaign

POSITIVE = ["Congrats on the launch! 🚀", "This is amazing, the onboarding is so smooth.",
            "Huge milestone, well done team. Love it!", "Best dev tool I've tried this year, great work."]
NEGATIVE = ["This is a scam. Terrible product.", "Broke my build twice today, awful experience.",
            "Terrible pricing, what a disappointing ripoff.", "Worst launch I've seen, nothing works."]
NEUTRAL = ["Is there an API?", "Pricing?", "How does it compare to the others?", "Launching at 9am PT tomorrow."]
# Known misses of a lexicon score, kept here so a change of behaviour is noticed: sarcasm reads as its
# words, so these mocking replies score positive. A mildly worded complaint is negative but above -0.5.
MILD = "Pricing is a joke, hard pass. Disappointed."
SARCASM = [("Oh great, another AI wrapper. Just what the world needed.", "positive"),
           ("Wow, can't wait to pay $99/month for a to-do list.", "positive")]


@pytest.mark.parametrize("text", POSITIVE)
def test_clearly_positive(text):
    assert sentiment.score(text)["sentiment"] == "positive"


@pytest.mark.parametrize("text", NEGATIVE)
def test_clearly_negative_and_below_the_default_alert_threshold(text):
    scored = sentiment.score(text)
    assert scored["sentiment"] == "negative" and scored["sentiment_score"] <= -0.5


@pytest.mark.parametrize("text", NEUTRAL + ["", None])
def test_neutral(text):
    assert sentiment.score(text)["sentiment"] == "neutral"


@pytest.mark.parametrize("text,read_as", SARCASM)
def test_sarcasm_is_a_known_miss(text, read_as):
    assert sentiment.score(text)["sentiment"] == read_as != "negative"


def test_a_mild_complaint_is_negative_but_not_strongly():
    assert -0.5 < sentiment.score(MILD)["sentiment_score"] <= -0.05


@pytest.mark.django_db(transaction=True)
def test_store_page_scores_replies_and_the_filter_returns_only_that_label(mongo_db, redis_conn):
    campaign = make_campaign(tweets={"main_twt": 1})
    tweet = campaign.tweets.get()
    now = dt.datetime(2025, 3, 15, 16, tzinfo=dt.UTC)
    texts = (POSITIVE + NEGATIVE + NEUTRAL) * 3
    engagers = [Engager(user_id=str(i), username=f"u{i}", name=f"U {i}", bio="", location="", followers=10 + i,
                        verified=False, timestamp=now - dt.timedelta(minutes=i), text=text,
                        engagement_tweet_id=str(9000 + i)) for i, text in enumerate(texts)]
    stored = store_page(campaign_id=campaign.mongo_id, tweet_id=tweet.tweet_id, tweet_category=tweet.category,
                        job_type="replies", engagers=engagers, now=now)
    record_engagements(campaign.mongo_id, stored.new)
    assert all(doc["sentiment"] == sentiment.score(doc["text"])["sentiment"] for doc in stored.new)
    for label, source in (("positive", POSITIVE), ("negative", NEGATIVE), ("neutral", NEUTRAL)):
        seen, cursor = [], None
        while True:
            page = selectors.engagements(campaign, limit=5, sentiment=label, cursor=cursor)
            seen += page["results"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(doc["text"] for doc in seen) == sorted(source * 3)
    with pytest.raises(selectors.BadParameter) as error:
        selectors.engagements(campaign, sentiment="angry")
    assert error.value.field == "sentiment"
