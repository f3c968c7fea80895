"""How the dashboard reacts to ingestion and campaign setup (connected in DashboardConfig.ready)."""

from django.dispatch import receiver

from campaigns import signals as campaign_signals
from dashboard import services
from ingestion import signals


@receiver(signals.engagements_storing, dispatch_uid="dashboard.claim")
def _claim(sender, campaign_id, docs, writes, **kwargs):
    services.add_claims(campaign_id, docs, writes)


@receiver(signals.engagements_stored, dispatch_uid="dashboard.record")
def _record(sender, campaign, docs, claims, writes, recovered=False, **kwargs):
    services.add_engagements(campaign.mongo_id, docs, claims, writes, recovered)
    # After the write lands: a view cached under the new version must see these engagements.
    writes.after_send(lambda: services.bump_version(campaign.mongo_id))


@receiver(signals.polling_state_changed, dispatch_uid="dashboard.stale")
def _stale(sender, campaign_id, **kwargs):
    # Cached staff and client views are keyed by the data version: a new one shows the change at once.
    services.bump_version(campaign_id)


@receiver(signals.tweet_metrics_read, dispatch_uid="dashboard.latest_deltas")
def _latest_deltas(sender, campaign_id, deltas, writes, **kwargs):
    services.add_latest_deltas(writes, campaign_id, deltas)


@receiver(signals.engagements_removed, dispatch_uid="dashboard.recount")
def _recount(sender, campaign_id, **kwargs):
    services.rebuild_rollups(campaign_id)  # the removed tweets' engagements leave the counters too


@receiver(campaign_signals.tweets_untracked, dispatch_uid="dashboard.forget_tweets")
def _forget_tweets(sender, campaign_id, tweet_ids, **kwargs):
    services.forget_tweets(campaign_id, tweet_ids)


@receiver(campaign_signals.campaign_deleted, dispatch_uid="dashboard.forget_campaign")
def _forget_campaign(sender, campaign_id, **kwargs):
    return services.forget_campaign(campaign_id)
