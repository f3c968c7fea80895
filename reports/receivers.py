"""How reports react to campaign setup (connected in ReportsConfig.ready)."""

from django.dispatch import receiver

from campaigns import signals
from reports import builder


@receiver(signals.campaign_deleted, dispatch_uid="reports.forget_campaign")
def _forget_campaign(sender, campaign_id, **kwargs):
    return builder.forget_campaign(campaign_id)
