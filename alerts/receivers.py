"""How alerts react to ingestion and campaign setup (connected in AlertsConfig.ready)."""

import logging

from django.dispatch import receiver

from alerts import spike_rates, tasks
from alerts.holding import release_held_slack
from alerts.services import forget_campaign, forget_tweets, queue_late_alerts
from campaigns import signals as campaign_signals
from ingestion import signals
from ingestion.contract import PRIORITY

log = logging.getLogger(__name__)


@receiver(signals.engagements_stored, dispatch_uid="alerts.late_engagements")
def _queue_late(sender, campaign, docs, run_batch, **kwargs):
    queue_late_alerts(campaign, docs, run_batch)


@receiver(signals.cycle_listed, dispatch_uid="alerts.plan_cycle")
def _plan_cycle(sender, cycle_id, **kwargs):
    # As urgent as the metrics jobs: a cycle's alerts should go out before the next cycle starts.
    tasks.plan_alert_cycle.apply_async(args=[cycle_id], priority=PRIORITY["metrics"])


@receiver(signals.activity_counted_late, dispatch_uid="alerts.carry_late")
def _carry_late(sender, campaign_id, tweet_id, count, **kwargs):
    spike_rates.carry_late(campaign_id, tweet_id, count)


@receiver(signals.budget_level_crossed, dispatch_uid="alerts.staff_budget_alert")
def _budget_alert(sender, campaign_id, level, budget, spent, **kwargs):
    tasks.send_budget_alert.delay(campaign_id, level, budget, spent)


@receiver(campaign_signals.slack_ready, dispatch_uid="alerts.release_held")
def _release_held(sender, campaign, **kwargs):
    released = release_held_slack(campaign)
    if any(released.values()):
        log.info("campaign %s: Slack has a webhook; held alerts %s", campaign.pk, released)


@receiver(signals.engagements_removed, dispatch_uid="alerts.forget_tweets")
def _forget_tweets(sender, campaign_id, tweet_ids, **kwargs):
    forget_tweets(campaign_id, tweet_ids)


@receiver(campaign_signals.campaign_deleted, dispatch_uid="alerts.forget_campaign")
def _forget_campaign(sender, campaign_id, **kwargs):
    return forget_campaign(campaign_id)
