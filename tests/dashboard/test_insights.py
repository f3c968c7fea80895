"""Reach, impressions and rankings against values computed independently from the simulator's ground truth."""

import json
from collections import defaultdict

import pytest

from dashboard import insight_selectors
from dashboard.services import rebuild_rollups
from ingestion.storing import importance
from tests.ingestion.helpers import TINY, poll_cycle, stored_keys, tiny_campaign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def polled(simulator, mongo_db, redis_conn):
    lines = [json.loads(line) for line in simulator.following_index().splitlines() if line]
    importance.upsert_entries([importance.entry(line["user_id"], line["followers"]) for line in lines])
    campaign = tiny_campaign()
    for _ in range(4):
        poll_cycle(campaign)
        simulator.advance(hours=8)
    poll_cycle(campaign)
    truth = simulator.ground_truth()
    truth["weights"] = {line["user_id"]: sum(f["weight"] for f in line["followers"]) for line in lines}
    return campaign, truth


def _expected(campaign, truth):
    """Reach and impressions from the truth's followers over the engagements SOCAP holds (one per key)."""
    keys = set(stored_keys(campaign))
    truth_by_key = {}
    for e in truth["engagements"]:
        key = (e["tweet_id"], e["user_id"], e["action_type"])
        if e["tweet_id"] in TINY and key in keys:
            truth_by_key.setdefault(key, e)
    # Replies and quotes are exactly the truth's; retweets are the ones visible at some poll.
    assert {k for k in truth_by_key if k[2] != "retweet"} == {
        (e["tweet_id"], e["user_id"], e["action_type"]) for e in truth["engagements"]
        if e["tweet_id"] in TINY and e["action_type"] != "retweet"}
    assert set(truth_by_key) == keys
    followers = {e["user_id"]: e["followers"] for e in truth_by_key.values()}
    expected = {"reach": sum(followers.values()), "impressions": sum(followers[k[1]] for k in keys),
                "by_category": defaultdict(lambda: [set(), 0]), "by_tweet": defaultdict(lambda: [set(), 0]),
                "tweets_of": defaultdict(set), "followers": followers, "truth": truth_by_key}
    for tweet_id, user_id, _ in keys:
        for table, name in ((expected["by_category"], TINY[tweet_id]), (expected["by_tweet"], tweet_id)):
            table[name][0].add(user_id)
            table[name][1] += followers[user_id]
        expected["tweets_of"][user_id].add(tweet_id)
    return expected


def test_reach_impressions_and_rankings_equal_ground_truth(polled):
    campaign, truth = polled
    expected = _expected(campaign, truth)
    followers = expected["followers"]
    got = insight_selectors.reach(campaign)
    assert got["reach"] == expected["reach"] and got["impressions"] == expected["impressions"]
    assert got["impressions"] > got["reach"]  # some accounts engaged more than once
    for category, (users, impressions) in expected["by_category"].items():
        assert got["by_tweet_category"][category] == {"reach": sum(followers[u] for u in users),
                                                      "impressions": impressions}
    by_tweet = {row["tweet_id"]: row for row in got["by_tweet"]}
    for tweet_id, (users, impressions) in expected["by_tweet"].items():
        assert (by_tweet[tweet_id]["reach"], by_tweet[tweet_id]["impressions"]) == (
            sum(followers[u] for u in users), impressions)

    over = insight_selectors.over_time(campaign, "hour")
    assert over["series"]["cumulative_reach"][-1] == expected["reach"]
    assert over["series"]["cumulative_impressions"][-1] == expected["impressions"]
    daily = insight_selectors.over_time(campaign, "day")
    assert sum(daily["series"]["impressions"]) == expected["impressions"]

    widest = insight_selectors.ranking(campaign, "reach")
    assert [row["followers"] for row in widest] == sorted(followers.values(), reverse=True)[:25]
    assert len({row["user_id"] for row in widest}) == len(widest) == 25
    assert all(followers[row["user_id"]] == row["followers"] for row in widest)

    scores = {user_id: weight for user_id, weight in truth["weights"].items() if user_id in followers}
    important = insight_selectors.ranking(campaign, "important")
    assert [row["importance"] for row in important] == sorted(
        (s for s in scores.values() if s), reverse=True)[:25]
    heaviest = important[0]
    assert heaviest["followed_by"]
    assert sum(f["weight"] for f in heaviest["followed_by"]) <= heaviest["importance"]
    assert heaviest["followed_by"] == sorted(heaviest["followed_by"], key=lambda f: -f["weight"])

    engaged = insight_selectors.ranking(campaign, "engaged")
    counts = sorted((len(t) for t in expected["tweets_of"].values()), reverse=True)[:25]
    assert [row["distinct_tweets"] for row in engaged] == counts and counts[0] > 1
    for row in engaged:
        assert {t["tweet_id"] for t in row["tweets"]} == expected["tweets_of"][row["user_id"]]

    # First movers: earliest engagers of the main tweet; replies and quotes carry the truth's time.
    movers = insight_selectors.ranking(campaign, "first_movers")
    assert len({row["user_id"] for row in movers}) == len(movers) > 0
    assert [row["at"] for row in movers] == sorted(row["at"] for row in movers)
    exact = {}
    for (tweet_id, user_id, action), e in expected["truth"].items():
        if TINY[tweet_id] == "main_twt" and action != "retweet":
            exact[user_id] = min(exact.get(user_id, e["timestamp"]), e["timestamp"])
    earliest_exact = sorted(exact.items(), key=lambda item: item[1])
    listed = [row for row in movers if row["time_precision"] == "exact"]
    assert [row["user_id"] for row in listed] == [u for u, _ in earliest_exact][:len(listed)]

    texts = insight_selectors.ranking(campaign, "texts")
    assert len({row["user_id"] for row in texts}) == len(texts) > 0
    assert [(row["importance"], row["followers"]) for row in texts] == sorted(
        ((row["importance"], row["followers"]) for row in texts), reverse=True)


def test_a_rebuild_gives_the_same_figures(polled):
    campaign, _ = polled
    before = {"reach": insight_selectors.reach(campaign), "rankings": insight_selectors.all_rankings(campaign)}
    rebuild_rollups(campaign.mongo_id)
    after = {"reach": insight_selectors.reach(campaign), "rankings": insight_selectors.all_rankings(campaign)}
    assert after["reach"] == before["reach"]
    # Ties may list other accounts of the same score after a rebuild; the scores are the same.
    for name, field in (("reach", "followers"), ("important", "importance"), ("engaged", "distinct_tweets"),
                        ("texts", "importance")):
        assert [r[field] for r in after["rankings"][name]] == [r[field] for r in before["rankings"][name]]



def test_pages_api_and_report_show_reach_rankings_and_sentiment(polled, django_user_model):
    from django.test import Client
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    campaign, _ = polled
    figures = insight_selectors.reach(campaign)
    page = Client().get(f"/socap/c/{campaign.share_token}/").content.decode()
    assert f"{figures['reach']:,}" in page and f"{figures['impressions']:,}" in page
    assert insight_selectors.REACH_FORMULA in page and "Lexicon score, not a reader" in page
    top = insight_selectors.ranking(campaign, "important")[0]
    assert f"@{top['username']}" in page and f"@{top['followed_by'][0]['username']}" in page
    negative = Client().get(f"/socap/c/{campaign.share_token}/?part=engagers&sentiment=negative")
    assert negative.status_code == 200 and "positive 0." not in negative.content.decode()
    assert Client().get(f"/socap/c/{campaign.share_token}/?part=engagers&sentiment=angry").status_code == 400
    timeline = Client().get(f"/socap/c/{campaign.share_token}/?part=timeline&user_id={top['user_id']}")
    assert f"followed by @{top['followed_by'][0]['username']}" in timeline.content.decode()

    api = APIClient()
    user = django_user_model.objects.create_user("api", "api@example.com", "pw", is_staff=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    base = f"/socap/campaigns/{campaign.pk}"
    body = api.get(f"{base}/reach?granularity=day").json()
    assert (body["reach"], body["impressions"]) == (figures["reach"], figures["impressions"])
    assert body["series"]["cumulative_reach"][-1] == figures["reach"]
    rankings = api.get(f"{base}/rankings?ranking=engaged&limit=3").json()["rankings"]
    assert list(rankings) == ["engaged"] and len(rankings["engaged"]) == 3
    assert api.get(f"{base}/rankings").json()["rankings"].keys() == set(insight_selectors.RANKINGS)
    for query, field in (("rankings?ranking=loudest", "ranking"), ("rankings?limit=26", "limit"),
                         ("rankings?limit=x", "limit"), ("sentiment?granularity=week", "granularity"),
                         ("reach?granularity=minute", "granularity"), ("engagements?sentiment=meh", "sentiment")):
        response = api.get(f"{base}/{query}")
        assert response.status_code == 400 and field in response.json()["errors"], query
    mood = api.get(f"{base}/sentiment").json()
    assert sum(mood["totals"].values()) == sum(1 for _ in mongo_replies_and_quotes(campaign))
    timeline = api.get(f"{base}/accounts/{top['user_id']}/timeline").json()
    assert timeline["followed_by"] == top["followed_by"]

    report = Client().get(f"/socap/c/{campaign.share_token}/report").content.decode()
    assert "Potential reach and impressions" in report and "First movers" in report and "VADER" in report
    for table, header in (("reach", "potential_reach"), ("rankings", "followed_by"), ("sentiment", "negative")):
        csv = b"".join(Client().get(f"/socap/c/{campaign.share_token}/report.csv?table={table}").streaming_content)
        assert header in csv.decode().splitlines()[0] and len(csv.decode().splitlines()) > 2


def mongo_replies_and_quotes(campaign):
    from socap_project import mongo

    return mongo.collection(mongo.ENGAGEMENTS).find(
        {"campaign_id": campaign.mongo_id, "action_type": {"$in": ["reply", "quote"]}}, {"_id": 1})
