"""How ingestion reacts to campaign setup (connected in IngestionConfig.ready)."""

from django.dispatch import receiver

from campaigns import signals
from ingestion.archiving import retention
from ingestion.polling import provider_calls, worker_state
from xapi.account import credits


@receiver(signals.tweets_tracked, dispatch_uid="ingestion.create_states")
def _track(sender, campaign, tweet_ids, **kwargs):
    worker_state.create_states(campaign.mongo_id, tweet_ids)


@receiver(signals.tweets_untracked, dispatch_uid="ingestion.forget_tweets")
def _untrack(sender, campaign_id, tweet_ids, **kwargs):
    retention.forget_tweets(campaign_id, tweet_ids)


@receiver(signals.campaign_deleted, dispatch_uid="ingestion.forget_campaign")
def _deleted(sender, campaign_id, **kwargs):
    return retention.forget_campaign(campaign_id)


@receiver(credits.call_charged, dispatch_uid="ingestion.log_call")
def _charged(sender, campaign_id, tweet_id, endpoint, items, status, credits, at, **kwargs):
    provider_calls.log_call(campaign_id, tweet_id, endpoint, items, status, credits, at)
