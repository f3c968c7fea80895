"""The 500-tweet limit holds on every path: existing + added - removed, checked at creation, on the
API's PATCH add_tweets and in the admin change form (each tracked tweet is polled on the paid API)."""

import pytest
from django.test import Client

from campaigns.inputs import MAX_TWEETS_PER_CAMPAIGN
from campaigns.models import Campaign, TrackedTweet
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db(transaction=True)

MAIN, INFLUENCER = "1900000000000000101", "1900000000000000102"


@pytest.fixture
def full(mongo_db):
    return make_campaign(tweets={"main_twt": MAX_TWEETS_PER_CAMPAIGN})


def test_patch_cannot_go_past_the_limit(api, full):
    response = api.patch(f"/socap/campaigns/{full.pk}",
                         {"add_tweets": {"maintweets": [{"url": f"https://x.com/a/status/{MAIN}"}]}}, format="json")
    assert response.status_code == 400, response.content
    assert "500" in response.json()["errors"]["add_tweets"][0]
    assert full.tweets.count() == MAX_TWEETS_PER_CAMPAIGN


def test_patch_may_swap_tweets_at_the_limit(api, full):
    gone = list(full.tweets.values_list("tweet_id", flat=True)[:1])
    response = api.patch(f"/socap/campaigns/{full.pk}", {
        "add_tweets": {"maintweets": [{"url": f"https://x.com/a/status/{MAIN}"}]}, "remove_tweet_ids": gone},
        format="json")
    assert response.status_code == 200, response.content
    assert full.tweets.count() == MAX_TWEETS_PER_CAMPAIGN and full.tweets.filter(tweet_id=MAIN).exists()


def test_admin_change_form_cannot_go_past_the_limit(full, django_user_model, simulator, redis_conn, settings):
    from tests.campaigns.test_pages import change_data

    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("staff", "s@example.com", "pw"))
    url = f"/admin/campaigns/campaign/{full.pk}/change/"
    data = change_data(staff.get(url).content.decode())
    data["main_tweet_urls"] = f"https://x.com/a/status/{MAIN}\nhttps://x.com/a/status/{INFLUENCER}"
    response = staff.post(url, data)
    assert response.status_code == 200
    assert f"At most {MAX_TWEETS_PER_CAMPAIGN} tweets per campaign" in response.content.decode()
    assert TrackedTweet.objects.filter(campaign=full).count() == MAX_TWEETS_PER_CAMPAIGN


def test_create_refuses_more_than_the_limit(api):
    tweets = [{"url": f"https://x.com/a/status/{1_950_000_000_000_000_000 + i}"} for i in range(501)]
    response = api.post("/socap/campaigns", {
        "launch_name": "Big", "client_info": {"name": "C", "email": "c@example.com"},
        "monitor_window": {"start_date": "2025-03-15T15:00:00Z", "end_date": "2025-03-18T15:00:00Z"},
        "maintweets": tweets[:300], "influencer_twts": tweets[300:]}, format="json")
    assert response.status_code == 400 and "tweets" in response.json()["errors"]
    assert Campaign.objects.count() == 0
