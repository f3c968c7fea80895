"""What ingestion keeps about a campaign, and removing it (campaign deleted, tweets untracked)."""

from __future__ import annotations

from campaigns.models import Campaign
from ingestion import signals
from socap_project import mongo
from xapi.account import spend

# Documents carrying a `campaign_id`.
OWN = (mongo.ENGAGEMENTS, mongo.WORKER_STATE, mongo.METRIC_SNAPSHOTS, mongo.METRIC_DELTAS, mongo.POLL_CYCLES,
       mongo.API_USAGE)
OWN_BY_ID = (mongo.COUNTERS,)  # one document per campaign, `_id` = campaign id


def forget_campaign(campaign_id: str) -> dict[str, int]:
    # The campaign's spend counters go too (xapi keeps them; the key's documents stay).
    return {**mongo.delete_campaign_documents(campaign_id, OWN, OWN_BY_ID), **spend.forget_campaign(campaign_id)}


def forget_tweets(campaign_id: str, tweet_ids: list[str]) -> int:
    engagements = mongo.delete_tweet_documents(campaign_id, tweet_ids, (mongo.ENGAGEMENTS,))
    removed = engagements + mongo.delete_tweet_documents(
        campaign_id, tweet_ids, tuple(name for name in OWN if name != mongo.ENGAGEMENTS))
    if engagements:
        # After the delete: whoever counts engagements recounts without these tweets. Tweets that
        # never had any (the undo of a failed setup write) leave every count as it is: no recount.
        signals.engagements_removed.send(sender=Campaign, campaign_id=campaign_id, tweet_ids=tweet_ids)
    return removed
