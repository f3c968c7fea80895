"""A job waiting for the shared rate limiter is retried as often as it takes (ingestion/tasks.py)."""

from types import SimpleNamespace

import pytest

from ingestion import tasks
from ingestion.polling import list_job
from tests.factories import make_campaign


@pytest.mark.django_db
def test_a_list_job_that_waited_many_times_on_the_limiter_is_still_retried(mongo_db, redis_conn, monkeypatch):
    campaign = make_campaign()
    tweet = campaign.tweets.first()
    calls = []

    def run(campaign_id, tweet_id, job_type, resume=None):
        calls.append(resume)
        busy = len(calls) == 1  # the limiter is full the first time, free the second
        return SimpleNamespace(retry_in=0.01 if busy else None, resume={"cursor": "c"} if busy else None,
                               backfill=False, error=None, skipped=None, new=0)

    monkeypatch.setattr(list_job, "run_list_job", run)
    # Fifty waits already (a long backfill behind a busy key): more than the store-outage retries allow.
    result = tasks.poll_list.apply(kwargs={"campaign_id": campaign.pk, "tweet_id": tweet.tweet_id,
                                           "job_type": "retweets"}, retries=50)
    assert result.successful(), result.traceback
    assert calls == [None, {"cursor": "c"}]
