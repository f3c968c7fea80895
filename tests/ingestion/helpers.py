"""Shared steps for ingestion tests: a campaign over the simulator's tweets, and one poll cycle."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from campaigns import services
from campaigns.inputs import CATEGORY_KEYS, AlertPreferencesInput, CampaignInput, TweetInput
from ingestion.storing.engagements import reply_count
from ingestion.polling.list_job import run_list_job
from ingestion.polling.metrics_job import run_metrics
from ingestion.polling.scheduler import LIST_JOBS
from socap_project import mongo

TINY = {"1900000000000000101": "main_twt", "1900000000000000102": "influencer_twt",
        "1900000000000000103": "investor_twt"}


def tiny_campaign(**alerts):
    tweets = [TweetInput(url=f"https://x.com/a/status/{tid}", category=cat, path=f"{CATEGORY_KEYS[cat]}[0].url")
              for tid, cat in TINY.items()]
    return services.create_campaign(CampaignInput(
        launch_name="Tiny", client_name="C", client_email="c@example.com",
        start_date=dt.datetime(2025, 3, 15, 15, tzinfo=dt.UTC), end_date=dt.datetime(2025, 3, 18, 15, tzinfo=dt.UTC),
        tweets=tweets, alerts=AlertPreferencesInput(**({"channels": []} | alerts)),
    ))


def poll_cycle(campaign) -> dict:
    """What one Beat tick does for a campaign, in-process: metrics, then every list job."""
    runs = {"metrics": run_metrics(campaign.pk)}
    for tweet_id in TINY:
        for job in LIST_JOBS:
            runs[(tweet_id, job)] = run_list_job(campaign.pk, tweet_id, job)
    return runs


def stored_keys(campaign) -> Counter:
    return Counter((d["tweet_id"], d["user_id"], d["action_type"])
                   for d in mongo.collection(mongo.ENGAGEMENTS).find({"campaign_id": campaign.mongo_id}))


def truth_keys(truth: dict, *, visible_only: bool = False) -> set:
    return {(e["tweet_id"], e["user_id"], e["action_type"]) for e in truth["engagements"]
            if e["tweet_id"] in TINY and (e["visible"] or not visible_only)}


def assert_matches_truth(campaign, truth: dict, seen_retweets: set) -> None:
    """Replies and quotes exactly; retweets: every one visible at some poll, none invented, none twice."""
    stored = stored_keys(campaign)
    assert max(stored.values(), default=1) == 1, "an engagement was stored twice"
    keys = set(stored)
    exact = {k for k in truth_keys(truth) if k[2] != "retweet"}
    assert {k for k in keys if k[2] != "retweet"} == exact
    retweets = {k for k in keys if k[2] == "retweet"}
    seen_retweets = {k for k in seen_retweets if k[2] == "retweet"}
    assert seen_retweets <= retweets <= {k for k in truth_keys(truth) if k[2] == "retweet"}
    replies = Counter((e["tweet_id"], e["user_id"]) for e in truth["engagements"]
                      if e["action_type"] == "reply" and e["tweet_id"] in TINY)
    for doc in mongo.collection(mongo.ENGAGEMENTS).find({"campaign_id": campaign.mongo_id, "action_type": "reply"}):
        assert reply_count(doc) == replies[(doc["tweet_id"], doc["user_id"])]
