"""Webhook answers were once kept: "Slack answered 404: <first 200 bytes>" in a campaign's
disabled_channels (returned by the API) and in delivery attempts. Keep the status, drop the body."""

import re

from django.db import migrations

ANSWERED = re.compile(r"(Slack answered \d{3}):.*", re.DOTALL)


def forget_bodies(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    DeliveryAttempt = apps.get_model("alerts", "DeliveryAttempt")
    for campaign in Campaign.objects.exclude(disabled_channels={}).iterator():
        cleaned = {channel: ANSWERED.sub(r"\1", reason) for channel, reason in campaign.disabled_channels.items()}
        if cleaned != campaign.disabled_channels:
            campaign.disabled_channels = cleaned
            campaign.save(update_fields=["disabled_channels"])
    for attempt in DeliveryAttempt.objects.filter(error__contains="Slack answered ").iterator():
        attempt.error = ANSWERED.sub(r"\1", attempt.error)
        attempt.save(update_fields=["error"])


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0002_alert_sending_states"),
        ("campaigns", "0006_tracked_tweet_metric_names"),
    ]

    operations = [migrations.RunPython(forget_bodies, migrations.RunPython.noop)]
