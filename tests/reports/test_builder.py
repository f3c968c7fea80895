import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from reports.builder import build_report, earned_media, freeze_report
from socap_project import mongo
from tests.factories import engagement_doc, make_campaign, store_engagements

pytestmark = pytest.mark.django_db

METRICS = {"likes": 100, "retweets": 20, "quotes": 5, "replies": 8, "views": 25000, "bookmarks": 3}


@pytest.fixture
def campaign(mongo_db):
    campaign = make_campaign(tweets={"main_twt": 1, "influencer_twt": 1, "investor_twt": 1},
                             cpm_usd=8.0, action_values={"retweet": 0.5, "reply": 1.0, "quote": 2.5})
    for tweet in campaign.tweets.all():
        tweet.metrics = dict(METRICS)
        tweet.save()
    return campaign


def seed_engagements(campaign):
    tweets = list(campaign.tweets.all())
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=5)
    docs = []
    plan = [  # user, tweet index, action, category, importance, hours after start
        ("1", 0, "retweet", "vcs", 30, 0), ("1", 1, "reply", "vcs", 30, 1), ("1", 2, "quote", "vcs", 30, 2),
        ("2", 0, "retweet", "founders", 12, 0), ("3", 0, "reply", "developers", 0, 3),
        ("4", 1, "retweet", "media", 5, 4), ("5", 2, "quote", "others", 0, 4),
    ]
    for user, index, action, category, score, hours in plan:
        docs.append(engagement_doc(campaign, tweets[index], user, action, category=category, importance=score,
                                   timestamp=start + dt.timedelta(hours=hours, minutes=7)))
    # Another campaign's engagement must not count.
    store_engagements(docs + [{**{k: v for k, v in docs[0].items() if k != "_id"}, "campaign_id": "other"}])
    return docs


def test_report_equals_an_independent_count(campaign):
    docs = seed_engagements(campaign)
    report = build_report(campaign)
    assert report["metrics"]["totals"]["views"] == 3 * 25000
    assert report["metrics"]["by_tweet_category"]["investor_twt"]["likes"] == 100
    engagement = report["engagements"]
    assert engagement["total"] == len(docs)
    assert engagement["unique_accounts"] == len({d["user_id"] for d in docs})
    assert engagement["by_action"] == dict(Counter(d["action_type"] for d in docs))
    assert engagement["by_account_category"] == dict(Counter(d["account_category"] for d in docs))
    assert engagement["unique_accounts_by_category"] == dict(
        Counter({d["user_id"]: d["account_category"] for d in docs}.values()))
    hourly = Counter((d["hour"], d["account_category"]) for d in docs)
    assert {(r["hour"], r["category"]): r["count"] for r in engagement["hourly_by_account_category"]} == hourly
    top = report["top_accounts"]
    assert [a["user_id"] for a in top[:2]] == ["1", "2"]
    assert [a["action_type"] for a in top[0]["actions"]] == ["retweet", "reply", "quote"]
    first_tweet = campaign.tweets.all()[0].tweet_id
    collected = next(t["collected"] for t in report["tweets"] if t["tweet_id"] == first_tweet)
    assert collected == {"retweet": 2, "reply": 1}


def test_earned_media_shows_inputs_and_formula(campaign):
    seed_engagements(campaign)
    value = build_report(campaign)["earned_media"]
    assert value["impressions"] == 75000 and value["cpm_usd"] == 8.0
    assert value["value_usd"] == 600.0
    assert value["formula"] == "75,000 impressions × $8.00 CPM / 1,000"
    assert value["engagement_counts"] == {"retweet": 3, "reply": 2, "quote": 2}
    assert value["engagement_value_usd"] == 3 * 0.5 + 2 * 1.0 + 2 * 2.5


def test_default_cpm_from_settings(campaign, settings):
    settings.SOCAP_DEFAULT_CPM_USD = 4.0
    campaign.cpm_usd = None
    assert earned_media(campaign, {"views": 1000}, {})["value_usd"] == 4.0


def test_report_is_frozen_once(campaign):
    seed_engagements(campaign)
    first = freeze_report(campaign)
    mongo.collection(mongo.ENGAGEMENTS).delete_many({"campaign_id": campaign.mongo_id})
    second = freeze_report(campaign)
    assert second == first
    assert mongo.collection(mongo.FINAL_REPORTS).count_documents({"campaign_id": campaign.mongo_id}) == 1
